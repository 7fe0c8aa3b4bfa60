/**
 * Layering, checked mechanically rather than by review: a subgraph's domain/ and services/ hold the
 * rules and use cases and must not know how requests arrive. Only resolvers/, mqtt/ and events/ (the
 * transport adapters) and the subgraph's server wiring may import GraphQL, HTTP, MQTT or Redis code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SUBGRAPH_NAMES } from '../lib/topology/index.js';
import { listFiles } from './files.js';
import { ROOT } from './supergraph.js';

const TRANSPORT = /from '(graphql|graphql-ws|graphql-sse|graphql-tag|@apollo\/[^']+|mqtt|redis|express|ws|undici|@as-integrations\/[^']+)'/;
const ADAPTER_DIRS = /\/(resolvers|mqtt|events)\//;
const PROJECT_TRANSPORT = /from '[./]+\/(lib\/subgraph|lib\/infra\/(mqtt|pubsub)|[^']*\/(resolvers|mqtt|events)\/)[^']*'/;

test('domain/ and services/ of every subgraph import no transport code', async () => {
  const offenders: string[] = [];
  for (const name of SUBGRAPH_NAMES) {
    for (const layer of ['domain', 'services']) {
      for (const file of await listFiles(path.join(ROOT, 'subgraphs', name, 'src', layer), '.ts')) {
        if (ADAPTER_DIRS.test(file)) continue;
        const text = await readFile(file, 'utf8');
        for (const line of text.split('\n')) {
          if (TRANSPORT.test(line) || PROJECT_TRANSPORT.test(line)) offenders.push(`${path.relative(ROOT, file)}: ${line.trim()}`);
        }
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('only lib/config reads process.env', async () => {
  const files = (await Promise.all(['lib', 'gateway', 'subgraphs'].map((d) => listFiles(path.join(ROOT, d), '.ts')))).flat();
  const readers = [];
  for (const file of files) {
    if (file.includes(`${path.sep}test${path.sep}`) || file.endsWith('.test.ts')) continue;
    if ((await readFile(file, 'utf8')).includes('process.env')) readers.push(path.relative(ROOT, file));
  }
  assert.deepEqual(readers, ['lib/config/index.ts']);
});
