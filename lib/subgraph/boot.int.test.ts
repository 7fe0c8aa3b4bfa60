/**
 * Booting a subgraph sets up database, server, background work and listener, and undoes all of it,
 * in reverse order, when it stops or when any step fails half-way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineEntity, p } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { gql } from 'graphql-tag';
import { loadConfig } from '../config/index.js';
import { createInfra, type Infra } from '../infra/index.js';
import { idColumn } from '../orm/columns.js';
import { silentLogger } from '../testing/index.js';
import { bootSubgraph } from './boot.js';
import type { SubgraphDefinition, SubgraphDeps } from './index.js';

const Thing = defineEntity({ name: 'Thing', tableName: 'things', properties: { id: idColumn(), label: p.string() } });

let dir: string;
let infra: Infra | undefined;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-boot-'));
});
after(async () => {
  await infra?.close();
  await rm(dir, { recursive: true, force: true });
});

function definition(events: string[]): SubgraphDefinition {
  const task = (name: string) => ({
    name,
    async start(deps: SubgraphDeps) {
      events.push(`start ${name} ${deps.db.flavor}`);
      return async () => void events.push(`stop ${name}`);
    },
  });
  return {
    name: 'hub',
    typeDefs: gql`
      type Query {
        ping: String
      }
    `,
    resolvers: { Query: { ping: () => 'pong' } },
    entities: [Thing],
    migrationsPath: path.join(dir, 'migrations'),
    demoSeeder: class extends Seeder {
      async run() {}
    },
    createContext: (base) => base,
    background: [task('first'), task('second')],
  };
}

test('a booted subgraph runs its background work and stops it in reverse order', async () => {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
  infra = await createInfra(config, {});
  const events: string[] = [];
  const booted = await bootSubgraph(definition(events), { config, infra, logger: silentLogger, port: 0, seed: false });
  assert.deepEqual(events, ['start first sqlite', 'start second sqlite']);
  assert.equal((await fetch(booted.url.replace(/graphql$/, 'healthz'))).status, 200);
  await booted.stop();
  assert.deepEqual(events.slice(2), ['stop second', 'stop first']);
  await assert.rejects(fetch(booted.url.replace(/graphql$/, 'healthz')), 'the listener is closed');
});

test('when its port is taken, boot fails and leaves no background work running', async () => {
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  try {
    const port = (blocker.address() as net.AddressInfo).port;
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
    infra ??= await createInfra(config, {});
    const events: string[] = [];
    await assert.rejects(
      bootSubgraph(definition(events), { config, infra, logger: silentLogger, port, seed: false }),
      /EADDRINUSE/,
    );
    assert.deepEqual(events, ['start first sqlite', 'start second sqlite', 'stop second', 'stop first']);
  } finally {
    blocker.close();
  }
});
