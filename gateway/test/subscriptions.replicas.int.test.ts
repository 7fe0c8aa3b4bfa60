/**
 * Federated subscriptions across replicas and restarts, on the real Redis: two gateways, each with its own instance
 * of the locker fixture subgraph, all on one Redis pub/sub; and the owning subgraph restarted under a live
 * subscription (through a TCP relay, so the gateway keeps its URL).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionRegistry } from '../../lib/auth/sessions.js';
import { signAccessToken } from '../../lib/auth/tokens.js';
import type { AuthenticatedViewer } from '../../lib/auth/viewer.js';
import { listen, type Listening } from '../../lib/http/index.js';
import { typedPubSub } from '../../lib/infra/pubsub.js';
import { realServicesConfig, silentLogger, startTestSubgraph, type TestSubgraph } from '../../lib/testing/index.js';
import { createGateway, type GatewayServer } from '../src/server.js';
import {
  fixtureSupergraph,
  hubFixture,
  lockerFixture,
  lockerTopic,
  subgraphProxy,
  subscribeOver,
  waitFor,
  warmUp,
  type LockerCounters,
  type LockerTopics,
  type SubgraphProxy,
  type TestSubscriber,
  type Transport,
} from './subscriptions.fixtures.js';

const QUERY = 'subscription Watch($id: ID!) { lockerUpdated(lockerId: $id) { id name hub { name } } }';
const config = realServicesConfig();
const HUB_ID = randomUUID();
let dir: string;
let env: Record<string, string>;
const lockers: { counters: LockerCounters; subgraph: TestSubgraph }[] = [];
let hubSg: TestSubgraph | undefined;
let proxy: SubgraphProxy | undefined;
const gateways: { server: GatewayServer; listening: Listening; url: string }[] = [];
const subscribers: TestSubscriber[] = [];

async function startLocker() {
  const counters: LockerCounters = { opened: 0, open: 0 };
  const subgraph = await startTestSubgraph(lockerFixture(counters, path.join(dir, 'locker')), { env });
  lockers.push({ counters, subgraph });
  return { counters, subgraph };
}

async function startGateway(lockerUrl: string) {
  const unused = 'http://127.0.0.1:1/graphql';
  const server = await createGateway({
    config,
    supergraphSdl: fixtureSupergraph(),
    subgraphUrls: { locker: lockerUrl, hub: hubSg!.url, user: unused, order: unused, delivery: unused },
    kv: hubSg!.infra.kv,
    logger: silentLogger,
    subscriptionTiming: { upstreamRetry: { baseMs: 50, maxMs: 400 } },
  });
  const listening = await listen(server.app, 0);
  server.attach(listening.server);
  const gateway = { server, listening, url: `${listening.url}/graphql` };
  gateways.push(gateway);
  return gateway;
}

async function token(): Promise<string> {
  const viewer: AuthenticatedViewer = {
    kind: 'user',
    userId: randomUUID(),
    role: 'MEMBER',
    hubId: null,
    firmId: null,
    sessionId: randomUUID(),
    tokenVersion: 0,
  };
  await new SessionRegistry(hubSg!.infra.kv, 3600).start(viewer.sessionId!, viewer.userId);
  return signAccessToken(viewer, { secret: config.auth.jwtSecret, ttlSeconds: 900 });
}

function subscribe(url: string, transport: Transport, accessToken: string, lockerId: string) {
  const subscriber = subscribeOver(transport, url, { query: QUERY, variables: { id: lockerId }, token: accessToken });
  subscribers.push(subscriber);
  return subscriber;
}

/** Publishes on the shared Redis, as any replica of the locker subgraph would. */
const publish = (lockerId: string, name: string) =>
  typedPubSub<LockerTopics>(hubSg!.infra.pubsub).publish(lockerTopic(lockerId), { id: lockerId, name, hubId: HUB_ID });

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-gw-replicas-'));
  env = { DATABASE_URL: '', DATA_DIR: dir, REDIS_PREFIX: `hgtest:replicas:${randomUUID()}:` };
  hubSg = await startTestSubgraph(hubFixture({ requests: 0 }, path.join(dir, 'hub')), { env });
});

after(async () => {
  await Promise.allSettled(subscribers.map((s) => s.close()));
  for (const { server, listening } of gateways) {
    await server.closeSubscriptions();
    await listening.close();
    await server.stop();
  }
  await proxy?.close();
  for (const { subgraph } of lockers) await subgraph.close().catch(() => undefined);
  await hubSg?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('two gateways and two locker replicas on one Redis: every subscriber on either gateway gets every event exactly once', async () => {
  const [one, two] = [await startLocker(), await startLocker()];
  const [east, west] = [await startGateway(one.subgraph.url), await startGateway(two.subgraph.url)];
  const lockerId = randomUUID();
  const [alice, bob] = [await token(), await token()];
  const everyone = [
    subscribe(east.url, 'graphql-ws', alice, lockerId),
    subscribe(east.url, 'graphql-ws', alice, lockerId),
    subscribe(east.url, 'graphql-ws', bob, lockerId),
    subscribe(east.url, 'sse', bob, lockerId),
    subscribe(west.url, 'graphql-ws', alice, lockerId),
    subscribe(west.url, 'graphql-ws', bob, lockerId),
    subscribe(west.url, 'multipart', alice, lockerId),
  ];
  await waitFor('both replicas’ upstreams', () => one.counters.open === 2 && two.counters.open === 2);
  await warmUp((name) => publish(lockerId, name), everyone);

  const EVENTS = 20;
  for (let i = 1; i <= EVENTS; i++) await publish(lockerId, `event ${i}`);
  const expected = Array.from({ length: EVENTS }, (_, i) => `event ${i + 1}`);
  for (const s of everyone) {
    const names = [];
    for (let i = 0; i < EVENTS; i++) names.push((await s.next()).data!.lockerUpdated.name);
    assert.deepEqual(names, expected, 'every event, once, in order');
  }
  await sleep(300);
  assert.deepEqual(
    everyone.map((s) => s.pending),
    everyone.map(() => 0),
    'nothing more: no event twice',
  );
  // Each gateway deduplicates only its own subscribers: alice and bob have one upstream each per replica.
  assert.deepEqual([one.counters.opened, two.counters.opened], [2, 2]);
});

test('the owning subgraph restarted: the gateway resubscribes with a fresh passport and events flow again', async () => {
  const first = await startLocker();
  proxy = await subgraphProxy(first.subgraph.url);
  const gateway = await startGateway(proxy.url);
  const lockerId = randomUUID();
  const s = subscribe(gateway.url, 'graphql-ws', await token(), lockerId);
  const multipart = subscribe(gateway.url, 'multipart', await token(), lockerId);
  await waitFor('the upstreams', () => first.counters.open === 2);
  await warmUp((name) => publish(lockerId, name), [s, multipart]);

  proxy.down();
  await first.subgraph.close();
  await publish(lockerId, 'lost while down');
  const second = await startLocker();
  proxy.up(second.subgraph.url);
  await waitFor('the resubscribed upstreams', () => second.counters.open === 2, 10_000);

  await publish(lockerId, 'after the restart');
  for (const subscriber of [s, multipart]) {
    assert.equal((await subscriber.next()).data!.lockerUpdated.name, 'after the restart');
  }
  let ended = false;
  void s.ended.then(() => (ended = true));
  await sleep(50);
  assert.equal(ended, false, 'the subscription lived through the restart');
});
