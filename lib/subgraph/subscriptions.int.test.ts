/**
 * A subgraph serves its Subscription fields over graphql-ws: only with the gateway's passport for this subgraph,
 * denied to anonymous viewers by default, each event with a fresh context, and an unsubscribe that closes the
 * topic at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineEntity, p } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { gql } from 'graphql-tag';
import { createClient, type Client } from 'graphql-ws/client';
import WebSocket from 'ws';
import { signPassport } from '../auth/tokens.js';
import { ANONYMOUS, type AuthenticatedViewer } from '../auth/viewer.js';
import { loadConfig } from '../config/index.js';
import { createInfra, type Infra } from '../infra/index.js';
import { type MemoryPubSub, typedPubSub } from '../infra/pubsub.js';
import { idColumn } from '../orm/columns.js';
import { silentLogger } from '../testing/index.js';
import { bootSubgraph, type BootedSubgraph } from './boot.js';
import type { BaseContext, SubgraphDefinition } from './index.js';

const Thing = defineEntity({ name: 'Thing', tableName: 'things', properties: { id: idColumn(), label: p.string() } });
type Topics = { [topic: `tick:${string}`]: { n: number } };

let dir: string;
let infra: Infra;
let booted: BootedSubgraph;
let contexts = 0;
const clients: Client[] = [];
const config = () => loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
const viewer: AuthenticatedViewer = {
  kind: 'user',
  userId: '0190f000-0000-7000-8000-000100000005',
  role: 'MEMBER',
  hubId: null,
  firmId: null,
  sessionId: null,
  tokenVersion: 0,
};

const definition: SubgraphDefinition<BaseContext & { contextId: number }> = {
  name: 'hub',
  typeDefs: gql`
    type Query {
      ping: String
    }
    type Tick {
      n: Int!
      viewer: String!
      contextId: Int!
    }
    type Subscription {
      ticks(channel: String!): Tick!
    }
  `,
  resolvers: {
    Subscription: {
      ticks: {
        subscribe: (_: unknown, { channel }: { channel: string }, ctx: BaseContext) =>
          typedPubSub<Topics>(ctx.deps.infra.pubsub).iterate(`tick:${channel}`),
        resolve: (payload: { n: number }, _: unknown, ctx: BaseContext & { contextId: number }) => ({
          n: payload.n,
          viewer: ctx.viewer.kind === 'user' ? ctx.viewer.userId : 'anonymous',
          contextId: ctx.contextId,
        }),
      },
    },
  },
  entities: [Thing],
  migrationsPath: '',
  demoSeeder: class extends Seeder {
    async run() {}
  },
  createContext: (base) => ({ ...base, contextId: ++contexts }),
};

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-subs-'));
  definition.migrationsPath = path.join(dir, 'migrations');
  infra = await createInfra(config(), {});
  booted = await bootSubgraph(definition, { config: config(), infra, logger: silentLogger, port: 0, seed: false });
});
after(async () => {
  for (const client of clients) await client.dispose();
  await booted?.stop();
  await infra?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function connect(passport: string | undefined) {
  const client = createClient({
    url: booted.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: passport ? { passport } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}
const passportFor = (audience: string, who = viewer as typeof viewer | typeof ANONYMOUS) =>
  signPassport(who, audience, { secret: config().auth.passportSecret, ttlSeconds: 60 });
const listening = (topic: string) => (infra.pubsub as MemoryPubSub)['listeners'].has(topic);

test('with the passport, each event arrives executed with its own fresh context', async () => {
  const client = await connect(await passportFor('hub'));
  const results = client.iterate<{ ticks: { n: number; viewer: string; contextId: number } }>({
    query: 'subscription { ticks(channel: "a") { n viewer contextId } }',
  });
  const first = results.next();
  for (let i = 0; i < 50 && !listening('tick:a'); i++) await sleep(10);
  const pubsub = typedPubSub<Topics>(infra.pubsub);
  await pubsub.publish('tick:a', { n: 1 });
  const one = (await first).value!.data!.ticks;
  await pubsub.publish('tick:a', { n: 2 });
  const two = (await results.next()).value!.data!.ticks;
  assert.deepEqual([one.n, two.n], [1, 2]);
  assert.equal(one.viewer, viewer.userId);
  assert.notEqual(one.contextId, two.contextId, 'a new context per event');
  await results.return!();
  for (let i = 0; i < 50 && listening('tick:a'); i++) await sleep(10);
  assert.equal(listening('tick:a'), false, 'unsubscribing closes the topic');
});

test('without a passport, or with one for another subgraph, the connection is refused (4403)', async () => {
  for (const passport of [undefined, await passportFor('order')]) {
    const client = await connect(passport);
    await assert.rejects(
      client.iterate({ query: 'subscription { ticks(channel: "b") { n } }' }).next(),
      (err: unknown) => (err as { code?: number }).code === 4403,
    );
  }
});

test('an anonymous viewer is refused the subscription field (denied by default)', async () => {
  const client = await connect(await passportFor('hub', ANONYMOUS));
  const result = await client.iterate({ query: 'subscription { ticks(channel: "c") { n } }' }).next();
  assert.equal(
    (result.value as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code,
    'UNAUTHENTICATED',
  );
  assert.equal(listening('tick:c'), false);
});
