/**
 * Federated subscriptions through the gateway (createGateway, as server.ts wires it) on two fixture subgraphs
 * (subscriptions.fixtures.ts) whose pub/sub is the real Redis: the locker subgraph owns `lockerUpdated`, the hub
 * subgraph adds `Hub.name`. Each subgraph sits behind a TCP relay, so a test can take it away from the gateway.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { SupergraphSdlHook } from '@apollo/gateway';
import { createClient } from 'graphql-ws/client';
import WebSocket from 'ws';
import { SessionRegistry } from '../../lib/auth/sessions.js';
import { signAccessToken } from '../../lib/auth/tokens.js';
import type { AuthenticatedViewer } from '../../lib/auth/viewer.js';
import { listen, type Listening } from '../../lib/http/index.js';
import { typedPubSub } from '../../lib/infra/pubsub.js';
import { realServicesConfig, silentLogger, startTestSubgraph, type TestSubgraph } from '../../lib/testing/index.js';
import { createGateway, type GatewayServer } from '../src/server.js';
import {
  fixtureSupergraph,
  HUB_SDL,
  hubFixture,
  LOCKER_SDL,
  lockerFixture,
  lockerTopic,
  subgraphProxy,
  subscribeOver,
  waitFor,
  warmUp as warmUpAll,
  wsConnection,
  type HubCounters,
  type LockerCounters,
  type LockerEvent,
  type LockerTopics,
  type SubgraphProxy,
  type TestSubscriber,
  type Transport,
} from './subscriptions.fixtures.js';

/** Lockers, one per test (ids are UUIDs at every subgraph's edge). */
const LOCKERS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9', 'L10'] as const;
const ID = Object.fromEntries(LOCKERS.map((name) => [name, randomUUID()])) as Record<(typeof LOCKERS)[number], string>;
const HUB_ID = randomUUID();
const TRANSPORTS: Transport[] = ['graphql-ws', 'sse', 'multipart'];
const QUERY = 'subscription Watch($id: ID!) { lockerUpdated(lockerId: $id) { id name hub { id name } } }';

const locker: LockerCounters = { opened: 0, open: 0 };
const hub: HubCounters = { requests: 0 };
let dir: string;
let lockerSg: TestSubgraph | undefined;
let hubSg: TestSubgraph | undefined;
let lockerProxy: SubgraphProxy | undefined;
let hubProxy: SubgraphProxy | undefined;
let gateway: GatewayServer | undefined;
let listening: Listening | undefined;
let url: string;
let updateSupergraph: (sdl: string) => void;
const open: { close(): Promise<void> }[] = [];

// The gateway's config: the per-connection and per-user limits small enough to reach.
const config = realServicesConfig({ SUBSCRIPTIONS_PER_CONNECTION: '3', SUBSCRIPTIONS_PER_USER: '5' });
const registry = () => new SessionRegistry(lockerSg!.infra.kv, 3600);

function viewer(role: AuthenticatedViewer['role'] = 'MEMBER'): AuthenticatedViewer {
  return {
    kind: 'user',
    userId: randomUUID(),
    role,
    hubId: null,
    firmId: null,
    sessionId: randomUUID(),
    tokenVersion: 0,
  };
}
async function tokenFor(who: AuthenticatedViewer, ttlSeconds = 900) {
  await registry().start(who.sessionId!, who.userId);
  return signAccessToken(who, { secret: config.auth.jwtSecret, ttlSeconds });
}
const publish = (lockerId: string, event: Partial<LockerEvent> = {}) =>
  typedPubSub<LockerTopics>(lockerSg!.infra.pubsub).publish(lockerTopic(lockerId), {
    id: lockerId,
    name: `Locker ${lockerId}`,
    hubId: HUB_ID,
    ...event,
  });
function subscribe(transport: Transport, token: string, lockerId: string, query = QUERY): TestSubscriber {
  const subscriber = subscribeOver(transport, url, { query, variables: { id: lockerId }, token });
  open.push(subscriber);
  return subscriber;
}
/** Waits for the upstream, then warms every subscriber up (subscriptions.fixtures.ts). */
async function warmUp(lockerId: string, subscribers: TestSubscriber[]) {
  await waitFor('the upstream subscription', () => locker.open > 0);
  await warmUpAll((name) => publish(lockerId, { name }), subscribers);
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-gw-subs-'));
  // The fixtures store nothing: SQLite in a temporary folder; pub/sub and sessions on the real Redis.
  const env = { DATABASE_URL: '', DATA_DIR: dir, REDIS_PREFIX: `hgtest:subs:${randomUUID()}:` };
  lockerSg = await startTestSubgraph(lockerFixture(locker, path.join(dir, 'locker')), { env });
  hubSg = await startTestSubgraph(hubFixture(hub, path.join(dir, 'hub')), { env });
  lockerProxy = await subgraphProxy(lockerSg.url);
  hubProxy = await subgraphProxy(hubSg.url);
  const supergraph: SupergraphSdlHook = async ({ update }) => {
    updateSupergraph = update;
    return { supergraphSdl: fixtureSupergraph() };
  };
  const unused = 'http://127.0.0.1:1/graphql';
  gateway = await createGateway({
    config,
    supergraphSdl: supergraph,
    subgraphUrls: { locker: lockerProxy.url, hub: hubProxy.url, user: unused, order: unused, delivery: unused },
    kv: lockerSg.infra.kv,
    logger: silentLogger,
    subscriptionTiming: { sessionRecheckMs: 200, heartbeatMs: 300, upstreamRetry: { baseMs: 50, maxMs: 500 } },
  });
  listening = await listen(gateway.app, 0);
  gateway.attach(listening.server);
  url = `${listening.url}/graphql`;
});

after(async () => {
  await Promise.allSettled(open.map((s) => s.close()));
  await gateway?.closeSubscriptions();
  await listening?.close();
  await gateway?.stop();
  await lockerProxy?.close();
  await hubProxy?.close();
  await lockerSg?.close();
  await hubSg?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await Promise.allSettled(open.splice(0).map((s) => s.close()));
  await waitFor('the previous test’s upstreams to close', () => locker.open === 0);
});

describe('delivery', () => {
  test('an event published in the owning subgraph reaches subscribers over graphql-ws, SSE and multipart, with the other subgraph’s fields', async () => {
    const token = await tokenFor(viewer());
    const subscribers = TRANSPORTS.map((t) => subscribe(t, token, ID.L1));
    await warmUp(ID.L1, subscribers);
    await publish(ID.L1, { name: 'Front door' });
    for (const [i, s] of subscribers.entries()) {
      const result = await s.next();
      assert.deepEqual(
        result,
        { data: { lockerUpdated: { id: ID.L1, name: 'Front door', hub: { id: HUB_ID, name: `Hub ${HUB_ID}` } } } },
        TRANSPORTS[i],
      );
    }
    assert.equal(locker.opened, 1, 'one upstream subscription for the three (same document, variables, user)');
    assert.ok(subscribers[2]!.heartbeats >= 1, 'multipart heartbeats');
  });

  test('two identical subscribers share one upstream subscription and one entity fetch per event; the last to leave closes the upstream at once', async () => {
    const token = await tokenFor(viewer());
    const opened = locker.opened;
    const [a, b] = [subscribe('graphql-ws', token, ID.L2), subscribe('graphql-ws', token, ID.L2)];
    await warmUp(ID.L2, [a!, b!]);
    assert.equal(locker.opened - opened, 1, 'one upstream subscription');

    const fetches = hub.requests;
    for (let i = 1; i <= 3; i++) await publish(ID.L2, { name: `event ${i}` });
    for (let i = 1; i <= 3; i++) {
      assert.equal((await a!.next()).data!.lockerUpdated.name, `event ${i}`);
      assert.equal((await b!.next()).data!.lockerUpdated.name, `event ${i}`);
    }
    assert.equal(hub.requests - fetches, 3, 'one entity fetch per event for both subscribers');

    await a!.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(locker.open, 1, 'still open for the other subscriber');
    await b!.close();
    // No event is published: the upstream must close on the unsubscribe itself.
    await waitFor('the upstream to close after the last unsubscribe', () => locker.open === 0, 2000);
  });

  test('subscribers who differ in user or document do not share a group; the upstream passport carries the user', async () => {
    const [alice, bob] = [viewer(), viewer()];
    const [one, two] = [await tokenFor(alice), await tokenFor(bob)];
    const opened = locker.opened;
    const seenBy = 'subscription($id: ID!) { lockerUpdated(lockerId: $id) { name seenBy } }';
    const subscribers = [
      subscribe('graphql-ws', one, ID.L3, seenBy),
      subscribe('graphql-ws', two, ID.L3, seenBy),
      subscribe('graphql-ws', one, ID.L3),
    ];
    await warmUp(ID.L3, subscribers);
    assert.equal(locker.opened - opened, 3);
    await publish(ID.L3);
    const [a, b, c] = await Promise.all(subscribers.map((s) => s.next()));
    assert.deepEqual(
      [a!.data!.lockerUpdated.seenBy, b!.data!.lockerUpdated.seenBy],
      [alice.userId, bob.userId],
      'each user’s events come from an upstream opened with that user’s passport',
    );
    assert.equal(c!.data!.lockerUpdated.hub.name, `Hub ${HUB_ID}`);
  });
});

describe('failures', () => {
  test('a subgraph that is down during an event gives partial data and a coded error; the subscription lives on', async () => {
    const token = await tokenFor(viewer());
    const subscribers = TRANSPORTS.map((t) => subscribe(t, token, ID.L4));
    await warmUp(ID.L4, subscribers);
    hubProxy!.down();
    try {
      await publish(ID.L4, { name: 'while the hub is down' });
      for (const s of subscribers) {
        const result = await s.next();
        assert.deepEqual(result.data, { lockerUpdated: { id: ID.L4, name: 'while the hub is down', hub: null } });
        assert.equal(result.errors?.length, 1);
        // The resilience layer's code and reason (gateway/src/resilience), never the fetch's own error.
        assert.deepEqual(result.errors![0]!.extensions, {
          code: 'SERVICE_UNAVAILABLE',
          reason: 'UNREACHABLE',
          serviceName: 'hub',
        });
        assert.doesNotMatch(JSON.stringify(result), /ECONNREFUSED|fetch failed|127\.0\.0\.1|socket/i);
      }
    } finally {
      hubProxy!.up();
    }
    await publish(ID.L4, { name: 'hub back' });
    for (const s of subscribers) assert.equal((await s.next()).data!.lockerUpdated.hub.name, `Hub ${HUB_ID}`);
  });

  test('errors raised inside the owning subgraph are masked, and coded ones keep their code', async () => {
    const token = await tokenFor(viewer());
    const s = subscribe('sse', token, ID.L5, 'subscription($id: ID!) { lockerUpdated(lockerId: $id) { name secret } }');
    await warmUp(ID.L5, [s]);
    await publish(ID.L5);
    const result = await s.next();
    assert.deepEqual(result.data, { lockerUpdated: { name: `Locker ${ID.L5}`, secret: null } });
    assert.equal(result.errors![0]!.extensions!.code, 'INTERNAL_SERVER_ERROR');
    assert.doesNotMatch(JSON.stringify(result), /ECONNREFUSED|SELECT|10\.0\.0\.7/);

    const anonymous = subscribe('graphql-ws', '', ID.L5);
    const refused = await anonymous.next();
    assert.equal(refused.errors![0]!.extensions!.code, 'UNAUTHENTICATED', 'denied by default in the subgraph');
  });
});

describe('auth', () => {
  test('a bad token is refused at connect: graphql-ws closes with 4403, SSE and multipart answer 401', async () => {
    const forged = (await tokenFor(viewer())).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    for (const transport of TRANSPORTS) {
      const ended = await subscribe(transport, forged, ID.L6).ended;
      if (transport === 'graphql-ws') {
        assert.equal(ended.closeCode, 4403);
        assert.match(ended.closeReason!, /^UNAUTHENTICATED: /);
      } else {
        assert.equal(ended.status, 401, transport);
        assert.equal(ended.errors![0]!.extensions!.code, 'UNAUTHENTICATED');
        assert.equal(ended.errors![0]!.extensions!.http, undefined);
      }
    }
    assert.equal(locker.open, 0);
  });

  test('IDEs send their headers as connectionParams: `Authorization`, capitalized, is read too', async () => {
    const who = viewer();
    const token = await tokenFor(who);
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${token}`, 'x-other-header': '1' },
      retryAttempts: 0,
    });
    open.push({ close: async () => void (await client.dispose()) });
    const seenBy = client.iterate({ query: `subscription { lockerUpdated(lockerId: "${ID.L6}") { name seenBy } }` });
    let arrived = false;
    const next = seenBy.next().finally(() => (arrived = true));
    await waitFor('the upstream subscription', () => locker.open > 0);
    await waitFor('the event', () => {
      void publish(ID.L6);
      return arrived;
    });
    const result = (await next).value as { data: { lockerUpdated: { seenBy: string } } };
    assert.equal(result.data.lockerUpdated.seenBy, who.userId);
    await seenBy.return!();
  });

  test('a WebSocket upgrade anywhere but /graphql is answered 404', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${listening!.url}/elsewhere`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('upgrade', () => reject(new Error('unexpected protocol switch')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 404);
  });

  test('an access token that expires ends the subscription with UNAUTHENTICATED on every transport', async () => {
    const who = viewer();
    const token = await tokenFor(who, 2);
    const subscribers = TRANSPORTS.map((t) => subscribe(t, token, ID.L7));
    const connection = wsConnection(url, token);
    open.push(connection);
    const sameConnection = connection.subscribe({ query: QUERY, variables: { id: ID.L7 } });
    await warmUp(ID.L7, [...subscribers, sameConnection]);
    for (const s of [...subscribers, sameConnection]) {
      const ended = await s.ended;
      assert.equal(ended.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.match(ended.errors![0]!.message, /expired/);
    }
    const again = await connection.subscribe({ query: QUERY, variables: { id: ID.L7 } }).ended;
    assert.equal(again.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', 'the connection takes no more subscriptions');
    await waitFor('the upstream to close', () => locker.open === 0);
  });

  test('signing out ends live subscriptions (session re-check)', async () => {
    const who = viewer();
    const token = await tokenFor(who);
    const s = subscribe('multipart', token, ID.L8);
    await warmUp(ID.L8, [s]);
    await registry().end(who.sessionId!);
    const ended = await s.ended;
    assert.equal(ended.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});

describe('limits', () => {
  test('subscriptions per connection and per user are limited with TOO_MANY_SUBSCRIPTIONS', async () => {
    const token = await tokenFor(viewer());
    const first = wsConnection(url, token);
    const second = wsConnection(url, token);
    open.push(first, second);
    const on = (c: typeof first, id: string) => c.subscribe({ query: QUERY, variables: { id } });
    const held = [on(first, randomUUID()), on(first, randomUUID()), on(first, randomUUID())];
    const overConnection = await on(first, randomUUID()).ended;
    assert.equal(overConnection.errors?.[0]?.extensions?.code, 'TOO_MANY_SUBSCRIPTIONS');
    assert.deepEqual(
      [overConnection.errors![0]!.extensions!.scope, overConnection.errors![0]!.extensions!.limit],
      ['connection', 3],
    );
    held.push(on(second, randomUUID()), on(second, randomUUID()));
    await waitFor('five upstreams', () => locker.open === 5);
    const overUser = await on(second, randomUUID()).ended;
    assert.deepEqual(
      [overUser.errors?.[0]?.extensions?.code, overUser.errors![0]!.extensions!.scope],
      ['TOO_MANY_SUBSCRIPTIONS', 'user'],
    );
    const overHttp = await subscribe('multipart', token, randomUUID()).ended;
    assert.deepEqual([overHttp.status, overHttp.errors?.[0]?.extensions?.code], [429, 'TOO_MANY_SUBSCRIPTIONS']);

    await held[0]!.close();
    const afterOne = on(second, randomUUID());
    await waitFor('a subscription once one ended', () => locker.open === 5);
    assert.equal(afterOne.received.length, 0);
  });

  test('depth, cost and alias bombs are refused before anything is opened', async () => {
    const token = await tokenFor(viewer());
    const nest = (levels: number) => 'nearby { '.repeat(levels) + 'id' + ' }'.repeat(levels);
    const bombs = {
      QUERY_TOO_DEEP: `subscription { lockerUpdated(lockerId: "${ID.L10}") { ${nest(12)} } }`,
      QUERY_TOO_COMPLEX: `subscription { lockerUpdated(lockerId: "${ID.L10}") { ${nest(6)} } }`,
      TOO_MANY_ALIASES: `subscription { lockerUpdated(lockerId: "${ID.L10}") { ${Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(' ')} } }`,
    };
    for (const [code, query] of Object.entries(bombs)) {
      const ws = await subscribe('graphql-ws', token, ID.L10, query).ended;
      assert.equal(ws.errors?.[0]?.extensions?.code, code, `graphql-ws: ${code}`);
      const http = await subscribe('multipart', token, ID.L10, query).ended;
      assert.deepEqual([http.status, http.errors?.[0]?.extensions?.code], [400, code], `multipart: ${code}`);
    }
    assert.equal(locker.open, 0);
  });

  test('queries are not taken over graphql-ws; subscriptions over plain HTTP are still refused', async () => {
    const token = await tokenFor(viewer());
    const ws = await subscribe('graphql-ws', token, HUB_ID, 'query($id: ID!) { hubName(id: $id) }').ended;
    assert.equal(ws.errors?.[0]?.extensions?.code, 'NOT_A_SUBSCRIPTION');
    const plain = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { id: ID.L10 } }),
    });
    assert.equal(plain.status, 400);
    assert.equal(((await plain.json()) as any).errors[0].extensions.code, 'SUBSCRIPTION_NOT_SUPPORTED');
    const query = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `{ hubName(id: "${HUB_ID}") }` }),
    });
    assert.notEqual(query.status, 200, 'a query asking for SSE only goes to Apollo, which cannot answer it so');
  });
});

describe('the supergraph', () => {
  test('a supergraph change closes live subscriptions with SUPERGRAPH_CHANGED, and new ones use the new one', async () => {
    const token = await tokenFor(viewer());
    const subscribers = TRANSPORTS.map((t) => subscribe(t, token, ID.L9));
    await warmUp(ID.L9, subscribers);
    const changedHub = HUB_SDL.replace('name: String!', 'name: String!\n  code: String');
    updateSupergraph(fixtureSupergraph({ locker: LOCKER_SDL, hub: changedHub }));
    for (const s of subscribers) {
      const ended = await s.ended;
      assert.equal(ended.errors?.[0]?.extensions?.code, 'SUPERGRAPH_CHANGED');
    }
    await waitFor('the old upstream to close', () => locker.open === 0);
    const fresh = subscribe('graphql-ws', token, ID.L9);
    await warmUp(ID.L9, [fresh]);
    await publish(ID.L9);
    assert.equal((await fresh.next()).data!.lockerUpdated.hub.name, `Hub ${HUB_ID}`);
  });
});
