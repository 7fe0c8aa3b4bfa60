/**
 * Persisted documents and operation rate limits through the gateway as server.ts builds it (createGateway), on the
 * repo's supergraph, every subgraph being one stub server on 127.0.0.1 that answers whatever it is asked with
 * empty lists and nulls. Two gateways: TRUSTED_DOCUMENTS_MODE=off (APQ) and enforce, both with a manifest and tight
 * rate-limit budgets; the key-value store is the in-memory one (embedded mode).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws/client';
import WebSocket, { WebSocketServer } from 'ws';
import { ALL_FIVE_QUERY } from '../../e2e/queries.js';
import { SessionRegistry } from '../../lib/auth/sessions.js';
import { signAccessToken } from '../../lib/auth/tokens.js';
import type { AuthenticatedViewer } from '../../lib/auth/viewer.js';
import { loadConfig } from '../../lib/config/index.js';
import { listen, type Listening } from '../../lib/http/index.js';
import { MemoryKeyValueStore } from '../../lib/infra/kv.js';
import { silentLogger } from '../../lib/testing/index.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/topology/index.js';
import { documentHash } from '../src/documents/index.js';
import { createGateway, type GatewayServer } from '../src/server.js';

const TRUSTED = 'query Trusted { __typename }';
/** Registered in the manifest, yet deeper than demand control allows: a hash must not get it past the check. */
const DEEP = `query Deep { hubs { name ${'neighbors { name '.repeat(12)}${'} '.repeat(12)}} }`;
const SUBSCRIPTION = 'subscription Watch { lockerUpdated(lockerId: "0190f000-0000-7000-8000-000000000001") { id } }';

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions: Record<string, unknown> }[];
}

let dir: string;
let stub: Listening;
let stubSockets: WebSocketServer;
const stubQueries: string[] = [];
/** Subscribe messages the stub subgraphs received over graphql-ws. */
const stubSubscribes: string[] = [];

interface TestGateway {
  server: GatewayServer;
  listening: Listening;
  kv: MemoryKeyValueStore;
  url: string;
  jwtSecret: string;
}
let off: TestGateway;
let enforce: TestGateway;

async function startGateway(env: Record<string, string>): Promise<TestGateway> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TRUSTED_DOCUMENTS: path.join(dir, 'trusted-documents.json'),
    RATE_LIMIT_USER_POINTS: '6',
    RATE_LIMIT_ADDRESS_POINTS: '4',
    RATE_LIMIT_EXPENSIVE_POINTS: '2',
    ...env,
  });
  const kv = new MemoryKeyValueStore();
  const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `${stub.url}/graphql`])) as Record<
    SubgraphName,
    string
  >;
  const supergraphSdl = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  const server = await createGateway({ config, supergraphSdl, subgraphUrls, kv, logger: silentLogger });
  const listening = await listen(server.app, 0);
  server.attach(listening.server);
  return { server, listening, kv, url: `${listening.url}/graphql`, jwtSecret: config.auth.jwtSecret };
}

/** A signed-in user with a live session on `gw`: each test its own, so that budgets do not mix. */
async function signedIn(gw: TestGateway): Promise<Record<string, string>> {
  const viewer: AuthenticatedViewer = {
    kind: 'user',
    userId: randomUUID(),
    role: 'MASTER',
    hubId: null,
    firmId: null,
    sessionId: randomUUID(),
    tokenVersion: 0,
  };
  await new SessionRegistry(gw.kv, 3600).start(viewer.sessionId!, viewer.userId);
  const token = await signAccessToken(viewer, { secret: gw.jwtSecret, ttlSeconds: 900 });
  return { authorization: `Bearer ${token}` };
}

async function post(gw: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
}

const hashOnly = (text: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: documentHash(text) } } });
const code = (r: { body: Body }) => r.body.errors?.[0]?.extensions.code;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-documents-'));
  await writeFile(
    path.join(dir, 'trusted-documents.json'),
    JSON.stringify({
      [documentHash(TRUSTED)]: TRUSTED,
      [documentHash(DEEP)]: DEEP,
      [documentHash(SUBSCRIPTION)]: SUBSCRIPTION,
    }),
  );
  stub = await listen((req: http.IncomingMessage, res: http.ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const { query } = JSON.parse(raw || '{}') as { query?: string };
      stubQueries.push(query ?? '');
      // Every root field null or an empty list is a valid answer to anything the tests ask.
      const data = /createOrder/.test(query ?? '') ? { createOrder: null } : { hubs: [], _entities: [] };
      const body = JSON.stringify({ data });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  }, 0);
  // Subscriptions open a graphql-ws connection to the owning subgraph: acknowledged, and no event ever comes.
  stubSockets = new WebSocketServer({ server: stub.server, handleProtocols: () => 'graphql-transport-ws' });
  stubSockets.on('connection', (socket) =>
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
      if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      if (message.type === 'subscribe') stubSubscribes.push(data.toString());
    }),
  );
  off = await startGateway({ TRUSTED_DOCUMENTS_MODE: 'off' });
  enforce = await startGateway({ TRUSTED_DOCUMENTS_MODE: 'enforce' });
});

after(async () => {
  for (const gw of [off, enforce]) {
    if (!gw) continue;
    await gw.server.closeSubscriptions();
    await gw.listening.close();
    await gw.server.stop();
  }
  for (const socket of stubSockets?.clients ?? []) socket.terminate();
  stubSockets?.close();
  await stub?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('automatic persisted queries (TRUSTED_DOCUMENTS_MODE=off)', () => {
  test('an unknown hash is PERSISTED_QUERY_NOT_FOUND (HTTP 200, not cacheable); hash and text register it; the hash alone then runs it', async () => {
    const auth = await signedIn(off);
    const text = `query Apq${randomUUID().replaceAll('-', '')} { __typename }`;
    const miss = await post(off, hashOnly(text), auth);
    assert.deepEqual([miss.status, code(miss)], [200, 'PERSISTED_QUERY_NOT_FOUND']);
    assert.equal(miss.body.errors![0]!.message, 'PersistedQueryNotFound');
    assert.match(miss.headers.get('cache-control') ?? '', /no-cache/);

    const register = await post(off, { query: text, ...hashOnly(text) }, auth);
    assert.deepEqual([register.status, register.body], [200, { data: { __typename: 'Query' } }]);
    const hit = await post(off, hashOnly(text), auth);
    assert.deepEqual([hit.status, hit.body], [200, { data: { __typename: 'Query' } }]);
    // GET too (Apollo Client sends hash-only queries as GET); CSRF prevention wants a preflight header.
    const params = new URLSearchParams({ extensions: JSON.stringify(hashOnly(text).extensions) });
    const get = await fetch(`${off.url}?${params}`, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    assert.deepEqual([get.status, await get.json()], [200, { data: { __typename: 'Query' } }]);
  });

  test('a text that does not match its hash is PERSISTED_QUERY_HASH_MISMATCH and registers nothing', async () => {
    const auth = await signedIn(off);
    const claimed = documentHash('query Claimed { __typename }');
    const res = await post(
      off,
      { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: claimed } } },
      auth,
    );
    assert.deepEqual([res.status, code(res)], [400, 'PERSISTED_QUERY_HASH_MISMATCH']);
    assert.equal(await off.kv.get(`apq:${claimed}`), null);
  });

  test('the manifest’s documents run by hash; demand control measures a document run by hash like any other', async () => {
    const auth = await signedIn(off);
    const trusted = await post(off, hashOnly(TRUSTED), auth);
    assert.deepEqual(trusted.body, { data: { __typename: 'Query' } });
    // Over-deep, from the manifest and from the APQ cache (as another replica with other limits could have left it).
    const deep = await post(off, hashOnly(DEEP), auth);
    assert.deepEqual([deep.status, code(deep)], [400, 'QUERY_TOO_DEEP']);
    const planted = DEEP.replace('Deep', 'Planted');
    await off.kv.set(`apq:${documentHash(planted)}`, planted);
    const fromCache = await post(off, hashOnly(planted), auth);
    assert.deepEqual([fromCache.status, code(fromCache)], [400, 'QUERY_TOO_DEEP']);
    // Sent with its hash, an over-deep document is refused and not registered.
    const sent = DEEP.replace('Deep', 'Sent');
    const refused = await post(off, { query: sent, ...hashOnly(sent) }, auth);
    assert.equal(code(refused), 'QUERY_TOO_DEEP');
    assert.equal(await off.kv.get(`apq:${documentHash(sent)}`), null);
  });

  test('a subscription over multipart HTTP runs by hash too', async () => {
    const auth = await signedIn(off);
    await post(off, { query: SUBSCRIPTION, ...hashOnly(SUBSCRIPTION) }, auth); // Refused over plain HTTP; not registered.
    const registeredBy = await fetch(off.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0"', ...auth },
      body: JSON.stringify({ query: SUBSCRIPTION, ...hashOnly(SUBSCRIPTION) }),
    });
    assert.equal(registeredBy.status, 200);
    await registeredBy.body?.cancel();
    const byHash = await fetch(off.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0"', ...auth },
      body: JSON.stringify(hashOnly(SUBSCRIPTION)),
    });
    assert.equal(byHash.status, 200);
    assert.match(byHash.headers.get('content-type') ?? '', /multipart\/mixed/);
    await byHash.body?.cancel();
  });
});

describe('trusted documents (TRUSTED_DOCUMENTS_MODE=enforce)', () => {
  test('only the manifest’s operations run: by text or by hash; anything else is PERSISTED_QUERY_NOT_ALLOWED', async () => {
    const auth = await signedIn(enforce);
    const byText = await post(enforce, { query: TRUSTED }, auth);
    assert.deepEqual([byText.status, byText.body], [200, { data: { __typename: 'Query' } }]);
    const byHash = await post(enforce, hashOnly(TRUSTED), auth);
    assert.deepEqual(byHash.body, { data: { __typename: 'Query' } });

    const other = 'query Other { __typename }';
    const unregistered = await post(enforce, { query: other }, auth);
    assert.deepEqual([unregistered.status, code(unregistered)], [400, 'PERSISTED_QUERY_NOT_ALLOWED']);
    const unknownHash = await post(enforce, hashOnly(other), auth);
    assert.deepEqual([unknownHash.status, code(unknownHash)], [400, 'PERSISTED_QUERY_NOT_ALLOWED']);
    // APQ registration is off: sending hash and text registers nothing.
    const registration = await post(enforce, { query: other, ...hashOnly(other) }, auth);
    assert.equal(code(registration), 'PERSISTED_QUERY_NOT_ALLOWED');
    assert.equal(await enforce.kv.get(`apq:${documentHash(other)}`), null);
    // Trusted documents still face demand control.
    assert.equal(code(await post(enforce, hashOnly(DEEP), auth)), 'QUERY_TOO_DEEP');
  });
});

describe('graphql-ws', () => {
  test('a subscribe by hash runs the trusted document; under enforce an unregistered one is refused', async () => {
    const auth = await signedIn(enforce);
    const client = createClient({
      url: enforce.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: auth,
      retryAttempts: 0,
    });
    const outcome = (payload: { query: string; extensions?: Record<string, unknown> }) =>
      new Promise<unknown>((resolve) => {
        const stop = client.subscribe(payload, { next: () => {}, error: resolve, complete: () => resolve('complete') });
        setTimeout(() => {
          stop();
          resolve('live');
        }, 500);
      });
    try {
      const before = stubSubscribes.length;
      assert.equal(await outcome({ query: '', ...hashOnly(SUBSCRIPTION) }), 'live');
      assert.equal(stubSubscribes.length, before + 1, 'the upstream subscription was opened');
      const refused = (await outcome({ query: SUBSCRIPTION.replace('Watch', 'Other') })) as Body['errors'];
      assert.equal(refused?.[0]?.extensions.code, 'PERSISTED_QUERY_NOT_ALLOWED');
    } finally {
      await client.dispose();
    }
  });
});

describe('rate limits (6 points per user, 4 per address, 2 expensive calls, per minute)', () => {
  test('a user who spends their budget gets RATE_LIMITED, HTTP 429 and Retry-After; another user does not', async () => {
    const alice = await signedIn(off);
    for (let i = 0; i < 6; i++) assert.equal((await post(off, { query: '{ __typename }' }, alice)).status, 200);
    const limited = await post(off, { query: '{ __typename }' }, alice);
    assert.deepEqual([limited.status, code(limited)], [429, 'RATE_LIMITED']);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(limited.body.errors![0]!.extensions.retryAfterSeconds, retryAfter);
    assert.equal(limited.body.errors![0]!.extensions.http, undefined);
    // Subscription starts count against the same budget.
    const subscribe = await fetch(off.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0"', ...alice },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    assert.equal(subscribe.status, 429);
    assert.ok(Number(subscribe.headers.get('retry-after')) >= 1);
    assert.equal(((await subscribe.json()) as Body).errors?.[0]?.extensions.code, 'RATE_LIMITED');

    const bob = await signedIn(off);
    assert.equal((await post(off, { query: '{ __typename }' }, bob)).status, 200);
  });

  test('an operation pays by its demand-control cost: one dearer than the budget spends all of it', async () => {
    const carol = await signedIn(off);
    // ALL_FIVE_QUERY costs 8,530: 9 points, more than the whole 6-point budget, so it spends all of it.
    assert.equal((await post(off, { query: ALL_FIVE_QUERY }, carol)).status, 200);
    const next = await post(off, { query: '{ __typename }' }, carol);
    assert.deepEqual([next.status, code(next)], [429, 'RATE_LIMITED']);
  });

  test('anonymous clients pay per address', async () => {
    // The enforce gateway's address budget is untouched by the other tests (their users are signed in).
    for (let i = 0; i < 4; i++) assert.equal((await post(enforce, { query: TRUSTED })).status, 200);
    const limited = await post(enforce, { query: TRUSTED });
    assert.deepEqual([limited.status, code(limited)], [429, 'RATE_LIMITED']);
    assert.match(limited.body.errors![0]!.message, /address/);
    assert.equal((await post(enforce, { query: TRUSTED }, await signedIn(enforce))).status, 200);
  });

  test('expensive mutations have a stricter budget of their own', async () => {
    const dave = await signedIn(off);
    const order = (key: string) =>
      `mutation { createOrder(input: { productId: "${randomUUID()}", quantity: 1, receiverFirmId: "${randomUUID()}", idempotencyKey: "${key}" }) { id } }`;
    for (const key of ['k1', 'k2']) assert.notEqual((await post(off, { query: order(key) }, dave)).status, 429);
    const limited = await post(off, { query: order('k3') }, dave);
    assert.deepEqual([limited.status, code(limited)], [429, 'RATE_LIMITED']);
    assert.match(limited.body.errors![0]!.message, /createOrder/);
    // Two aliases are two calls: refused for a fresh user too.
    const erin = await signedIn(off);
    const doubled = `mutation { a: ${order('a').slice('mutation { '.length, -2)} b: ${order('b').slice('mutation { '.length, -2)} c: ${order('c').slice('mutation { '.length, -2)} }`;
    assert.equal(code(await post(off, { query: doubled }, erin)), 'RATE_LIMITED');
    // Dave's general budget is not spent: reads still run.
    assert.equal((await post(off, { query: '{ __typename }' }, dave)).status, 200);
  });
});
