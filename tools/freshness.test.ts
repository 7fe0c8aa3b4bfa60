/** Generated artefacts are committed; these fail when they are stale (run npm run compose / codegen). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import codegenConfig from '../codegen.js';
import { SUBGRAPH_NAMES } from '../lib/topology/index.js';
import { composeSupergraph, ROOT, SUPERGRAPH_PATH } from './supergraph.js';

test('schema/supergraph.graphql is the composition of the subgraph SDLs', async () => {
  assert.equal(await readFile(SUPERGRAPH_PATH, 'utf8'), await composeSupergraph(), 'stale: run npm run compose');
});

test('every subgraph __generated__/resolvers-types.ts matches its SDL', async () => {
  const outputs = await generate({ ...codegenConfig, cwd: ROOT, silent: true }, false);
  assert.equal(outputs.length, SUBGRAPH_NAMES.length);
  for (const out of outputs) {
    const committed = await readFile(path.join(ROOT, out.filename), 'utf8');
    assert.equal(committed, out.content, `${out.filename} is stale: run npm run codegen`);
  }
});
