/**
 * The whole platform (gateway + five subgraphs) on the real MariaDB, Redis and Mosquitto, through the
 * gateway as a client sees it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { signAccessToken } from '../lib/auth/tokens.js';
import { errorCode, dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { REQUEST_ORIGIN } from '../lib/orm/index.js';
import type { SubgraphName } from '../lib/topology/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';
import { Hub } from '../subgraphs/hub/src/entities/hub.entity.js';
import { ALL_FIVE_QUERY } from './queries.js';

const config = realServicesConfig();
const statements: Record<string, number> = {};
let platform: Platform;
let token: string;

const q = (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postGraphQL(platform.gatewayUrl, query, variables, headers);
const asMaster = (query: string, variables?: Record<string, unknown>) =>
  q(query, variables, { authorization: `Bearer ${token}` });

before(async () => {
  platform = await startPlatform({
    config,
    logger: silentLogger,
    ports: 'ephemeral',
    seed: true,
    // Only the statements requests send: relays, consumers and sweepers run in the same process.
    onQuery: (subgraph: SubgraphName, _sql, context) => {
      if (context.origin === REQUEST_ORIGIN) statements[subgraph] = (statements[subgraph] ?? 0) + 1;
    },
  });
  const signIn = await q('mutation { signIn(username: "master", password: "hubgraph-demo") { accessToken } }');
  token = signIn.body.data!.signIn.accessToken;
});
after(async () => {
  await platform?.stop();
  await dropTestDatabases(config);
});

describe('through the gateway', () => {
  test('one query touches all five subgraphs: hubs with firms, products, lockers, managers and their users', async () => {
    const r = await asMaster(ALL_FIVE_QUERY);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const hubs = r.body.data!.hubs as any[];
    assert.equal(hubs.length, 17);
    const gyeonggiSouth = hubs.find((h) => h.name === '경기 남부 센터');
    assert.deepEqual(
      gyeonggiSouth.firms.map((f: any) => f.name),
      ['Hanbit Foods'],
    ); // order
    assert.equal(gyeonggiSouth.firms[0].products.length, 2);
    const seoul = hubs.find((h) => h.name === '서울특별시 센터');
    assert.equal(seoul.lockers[0].compartments.length, 6); // locker
    assert.ok(seoul.lockers[0].compartments.every((c: any) => c.state === 'AVAILABLE'));
    const managers = gyeonggiSouth.deliveryManagers.map((m: any) => `${m.kind}:${m.user.username}`).sort(); // delivery + user
    assert.deepEqual(managers, ['FIRM:driver03', 'HUB:delivery_manager']);
    assert.equal(gyeonggiSouth.deliveryManagers[0].user.deliveryManager.id, gyeonggiSouth.deliveryManagers[0].id);
  });

  test('the federated list query costs a constant number of SQL statements however many hubs it returns', async () => {
    const count = async () => {
      for (const k of Object.keys(statements)) delete statements[k];
      const r = await asMaster(ALL_FIVE_QUERY);
      assert.equal(r.body.errors, undefined);
      return { hubs: (r.body.data!.hubs as unknown[]).length, statements: { ...statements } };
    };
    const with17 = await count();
    // Grow the network to 40 hubs, straight in the hub subgraph's database.
    const em = platform.subgraphs.hub.db.orm.em.fork();
    for (let i = 0; i < 23; i++) {
      em.create(Hub, {
        seq: 100 + i,
        name: `Test hub ${i}`,
        address: 'test',
        postalCode: '00000',
        latitude: 36,
        longitude: 127,
        central: false,
      });
    }
    await em.flush();
    const with40 = await count();
    assert.equal(with17.hubs, 17);
    assert.equal(with40.hubs, 40);
    assert.deepEqual(with40.statements, with17.statements);
    const total = Object.values(with40.statements).reduce((a, b) => a + b, 0);
    // hub: hubs; order: firms by hub, products by firm; locker: lockers by hub, compartments by locker;
    // delivery: managers by hub, manager by user; user: users by id.
    assert.deepEqual(with40.statements, { hub: 1, order: 2, locker: 2, delivery: 2, user: 1 });
    console.log(`# SQL statements for the all-five query: ${total} at 17 hubs and at 40 hubs`);
  });

  test('anonymous callers are refused at the gateway, from the supergraph, before any subgraph is asked', async () => {
    const r = await q('{ hubs { id } }');
    assert.equal(r.status, 401);
    assert.equal(r.body.data, undefined, 'refused whole: nothing was planned or fetched');
    // The code and the fields that need a viewer (`@authenticated` in the supergraph); nothing internal.
    assert.deepEqual(r.body.errors, [
      { message: 'Sign in to run this operation', extensions: { code: 'UNAUTHENTICATED', fields: ['Query.hubs'] } },
    ]);
  });

  test('a forged token and an expired token are refused with HTTP 401 UNAUTHENTICATED', async () => {
    const forged = await signAccessToken(
      { kind: 'user', userId: 'x', role: 'MASTER', hubId: null, firmId: null, sessionId: null, tokenVersion: 0 },
      { secret: 'not-the-real-secret-but-long-enough-0000', ttlSeconds: 60 },
    );
    const expired = await new SignJWT({ role: 'MASTER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer('hubgraph-user')
      .setAudience('hubgraph-gateway')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(config.auth.jwtSecret));
    for (const [bad, message] of [
      [forged, /Invalid/],
      [expired, /expired/],
      ['garbage', /Invalid/],
    ] as const) {
      const r = await q('{ hubs { id } }', {}, { authorization: `Bearer ${bad}` });
      assert.equal(r.status, 401);
      assert.equal(errorCode(r), 'UNAUTHENTICATED');
      assert.match(r.body.errors![0]!.message, message);
    }
  });

  test('each subgraph called directly, without the gateway passport, refuses with 401', async () => {
    for (const sg of Object.values(platform.subgraphs)) {
      const r = await postGraphQL(sg.url, '{ __typename }', {}, { authorization: `Bearer ${token}` });
      assert.equal(r.status, 401, sg.name);
      assert.equal(errorCode(r), 'UNAUTHENTICATED');
    }
  });

  test('malformed GraphQL is a 400 with a GraphQL error; a malformed body too', async () => {
    const parse = await asMaster('{ hubs { id ');
    assert.equal(parse.status, 400);
    assert.equal(errorCode(parse), 'GRAPHQL_PARSE_FAILED');
    const unknownField = await asMaster('{ hubs { nope } }');
    assert.equal(unknownField.status, 400);
    assert.equal(errorCode(unknownField), 'GRAPHQL_VALIDATION_FAILED');
    const res = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).errors[0].extensions.code, 'BAD_REQUEST');
  });

  test('CSRF prevention refuses simple cross-site requests', async () => {
    const res = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /CSRF/i);
  });

  test('sign-in, refresh and reuse through the gateway', async () => {
    const signIn = await q(
      'mutation { signIn(username: "member", password: "hubgraph-demo") { refreshToken user { role } } }',
    );
    assert.equal(signIn.body.data!.signIn.user.role, 'MEMBER');
    const refresh = 'mutation($t: String!) { refreshToken(token: $t) { accessToken refreshToken } }';
    const first = await q(refresh, { t: signIn.body.data!.signIn.refreshToken });
    const me = await q(
      '{ me { username } }',
      {},
      { authorization: `Bearer ${first.body.data!.refreshToken.accessToken}` },
    );
    assert.equal(me.body.data!.me.username, 'member');
    const reuse = await q(refresh, { t: signIn.body.data!.signIn.refreshToken });
    assert.equal(errorCode(reuse), 'UNAUTHENTICATED');
    // Reuse means the token was stolen: the whole session ends, its newest refresh token included.
    assert.equal(errorCode(await q(refresh, { t: first.body.data!.refreshToken.refreshToken })), 'UNAUTHENTICATED');
  });

  test('/healthz answers and /readyz reports every subgraph ready', async () => {
    const base = platform.gatewayUrl.replace(/\/graphql$/, '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as any).subgraphs, {
      user: true,
      order: true,
      hub: true,
      delivery: true,
      locker: true,
    });
  });

  test('Apollo Sandbox is served on /graphql to browsers in development', async () => {
    const res = await fetch(platform.gatewayUrl, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /embeddable-sandbox|Apollo Sandbox/i);
  });
});
