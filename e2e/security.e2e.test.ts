/**
 * What an attack probe found, each as a test through the gateway on the real MariaDB, Redis and Mosquitto:
 * queries that could exhaust the process, sessions that outlived sign-out and role changes, unlimited password
 * guessing, bad input reaching the databases, and error answers with the wrong status.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode, dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';
import { ALL_FIVE_QUERY } from './queries.js';

// A short session-check cache keeps the test quick; the behaviour is the same with the default second.
const CACHE_MS = 200;
const config = realServicesConfig({ SESSION_CHECK_CACHE_MS: String(CACHE_MS) });
let platform: Platform;

const q = (query: string, variables?: Record<string, unknown>, token?: string) =>
  postGraphQL(platform.gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});
const SIGN_IN =
  'mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { accessToken refreshToken user { id } } }';
const REFRESH = 'mutation($t: String!) { refreshToken(token: $t) { accessToken refreshToken user { role } } }';
async function signIn(username: string, password = 'hubgraph-demo') {
  const r = await q(SIGN_IN, { u: username, p: password });
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data!.signIn as { accessToken: string; refreshToken: string; user: { id: string } };
}
const healthy = async () => (await fetch(platform.gatewayUrl.replace(/graphql$/, 'healthz'))).status === 200;

before(async () => {
  platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: true });
});
after(async () => {
  await platform?.stop();
  await dropTestDatabases(config);
});

describe('sessions end when they should', () => {
  test('after signOut the access token stops working (within the session-check cache time)', async () => {
    const s = await signIn('member');
    assert.equal((await q('{ me { username } }', {}, s.accessToken)).body.data!.me.username, 'member');
    assert.equal((await q('mutation { signOut }', {}, s.accessToken)).body.data!.signOut, true);
    await sleep(CACHE_MS + 50);
    const after = await q('{ me { username } }', {}, s.accessToken);
    assert.equal(after.status, 401);
    assert.equal(errorCode(after), 'UNAUTHENTICATED');
    assert.match(after.body.errors![0]!.message, /Session ended/);
    assert.equal(errorCode(await q(REFRESH, { t: s.refreshToken })), 'UNAUTHENTICATED');
  });

  test('when a session is revoked (its refresh token replayed), its access token stops working too', async () => {
    const s = await signIn('delivery_manager');
    assert.equal((await q('{ me { username } }', {}, s.accessToken)).body.data!.me.username, 'delivery_manager');
    const rotated = (await q(REFRESH, { t: s.refreshToken })).body.data!.refreshToken;
    assert.equal(errorCode(await q(REFRESH, { t: s.refreshToken })), 'UNAUTHENTICATED', 'the replay is refused');
    await sleep(CACHE_MS + 50);
    for (const token of [s.accessToken, rotated.accessToken]) {
      const r = await q('{ me { username } }', {}, token);
      assert.equal(errorCode(r), 'UNAUTHENTICATED');
      assert.match(r.body.errors![0]!.message, /Session ended/);
    }
  });

  test('a MASTER who demotes itself stops acting as MASTER at once and cannot promote itself back', async () => {
    const master = await signIn('master');
    // A second MASTER first: the last one may not step down.
    const hubManager = await signIn('hub_manager');
    const promote = 'mutation($id: ID!, $role: Role) { approveUser(userId: $id, role: $role) { role } }';
    assert.equal(
      (await q(promote, { id: hubManager.user.id, role: 'MASTER' }, master.accessToken)).body.data!.approveUser.role,
      'MASTER',
    );

    assert.equal(
      (await q(promote, { id: master.user.id, role: 'MEMBER' }, master.accessToken)).body.data!.approveUser.role,
      'MEMBER',
    );
    await sleep(CACHE_MS + 50);
    const stale = await q(promote, { id: master.user.id, role: 'MASTER' }, master.accessToken);
    assert.equal(errorCode(stale), 'UNAUTHENTICATED', 'the MASTER token is outdated');
    assert.match(stale.body.errors![0]!.message, /outdated/);

    const refreshed = (await q(REFRESH, { t: master.refreshToken })).body.data!.refreshToken;
    assert.equal(refreshed.user.role, 'MEMBER', 'a refresh carries the new role');
    assert.equal(
      errorCode(await q(promote, { id: master.user.id, role: 'MASTER' }, refreshed.accessToken)),
      'FORBIDDEN',
    );

    // The new MASTER is now the last one and cannot leave; it restores the demo master for the other tests.
    assert.equal(
      errorCode(await q(promote, { id: hubManager.user.id, role: 'MEMBER' }, hubManager.accessToken)),
      'UNAUTHENTICATED',
    );
    const newMaster = (await q(REFRESH, { t: hubManager.refreshToken })).body.data!.refreshToken;
    assert.equal(
      errorCode(await q(promote, { id: hubManager.user.id, role: 'MEMBER' }, newMaster.accessToken)),
      'LAST_MASTER',
    );
    assert.equal(
      (await q(promote, { id: master.user.id, role: 'MASTER' }, newMaster.accessToken)).body.data!.approveUser.role,
      'MASTER',
    );
  });

  test('a disabled user’s tokens stop working and it cannot sign in or refresh', async () => {
    const master = await signIn('master');
    const driver = await signIn('driver02');
    const disable = 'mutation($id: ID!, $s: UserStatus!) { setUserStatus(userId: $id, status: $s) { status } }';
    assert.equal(
      (await q(disable, { id: driver.user.id, s: 'DISABLED' }, master.accessToken)).body.data!.setUserStatus.status,
      'DISABLED',
    );
    await sleep(CACHE_MS + 50);
    assert.equal(errorCode(await q('{ me { id } }', {}, driver.accessToken)), 'UNAUTHENTICATED');
    assert.equal(errorCode(await q(REFRESH, { t: driver.refreshToken })), 'UNAUTHENTICATED');
    assert.equal(errorCode(await q(SIGN_IN, { u: 'driver02', p: 'hubgraph-demo' })), 'UNAUTHENTICATED');
  });

  test('hub and firm ids given to approveUser and signUp must exist', async () => {
    const master = await signIn('master');
    const member = await signIn('member');
    const nowhere = '0190f000-0000-7000-8000-00ee00000001';
    const approve = await q(
      'mutation($id: ID!, $hub: ID) { approveUser(userId: $id, role: HUB_MANAGER, hubId: $hub) { role } }',
      { id: member.user.id, hub: nowhere },
      master.accessToken,
    );
    assert.equal(errorCode(approve), 'BAD_USER_INPUT');
    assert.equal(approve.body.errors![0]!.extensions!.field, 'hubId');
    const signUp = await q('mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }', {
      i: {
        username: 'firmless',
        password: 'correct-horse-9',
        name: 'F',
        requestedRole: 'FIRM_MANAGER',
        firmId: nowhere,
      },
    });
    assert.equal(signUp.body.errors![0]!.extensions!.field, 'firmId');
  });
});

describe('guessing is limited', () => {
  test('repeated wrong passwords lock the account out from that address: 429, RATE_LIMITED, Retry-After', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 8; i++)
      codes.push(String(errorCode(await q(SIGN_IN, { u: 'firm_manager', p: `guess-${i}-xyz` }))));
    assert.deepEqual(codes.slice(0, 5), Array(5).fill('UNAUTHENTICATED'));
    assert.deepEqual(codes.slice(5), Array(3).fill('RATE_LIMITED'));
    const res = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SIGN_IN, variables: { u: 'firm_manager', p: 'hubgraph-demo' } }),
    });
    assert.equal(res.status, 429);
    const body = (await res.json()) as { errors: { extensions: { code: string; retryAfterSeconds: number } }[] };
    assert.equal(body.errors[0]!.extensions.code, 'RATE_LIMITED');
    assert.equal(res.headers.get('retry-after'), String(body.errors[0]!.extensions.retryAfterSeconds));
    assert.ok(body.errors[0]!.extensions.retryAfterSeconds > 60);
  });
});

describe('input is checked at the edge, the same on every database', () => {
  test('a NUL byte, a lone surrogate or a bidi override in a name, and a 100 KB id, are BAD_USER_INPUT naming the field', async () => {
    const signUp = 'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }';
    for (const name of ['nul\u0000name', 'lone\uD800', 'abc\u202Efdp.exe']) {
      const r = await q(signUp, { i: { username: 'evilname', password: 'correct-horse-9', name } });
      assert.equal(errorCode(r), 'BAD_USER_INPUT', JSON.stringify(name));
      assert.equal(r.body.errors![0]!.extensions!.field, 'name');
    }
    const master = await signIn('master');
    const big = await q(
      'query($id: ID) { products(firmId: $id) { id } }',
      { id: 'f'.repeat(100_000) },
      master.accessToken,
    );
    assert.equal(errorCode(big), 'BAD_USER_INPUT');
    assert.equal(big.body.errors![0]!.extensions!.field, 'firmId');
  });

  test('a subgraph reached directly answers 401 to every method, and serves no landing page', async () => {
    for (const sg of Object.values(platform.subgraphs)) {
      const get = await fetch(sg.url, { headers: { accept: 'text/html' } });
      assert.equal(get.status, 401, `${sg.name} GET`);
      assert.doesNotMatch(await get.text(), /<html/i);
    }
  });
});

describe('one request cannot take the platform down', () => {
  const nested = (levels: number) => `{ hubs { name ${'neighbors { name '.repeat(levels)}${'} '.repeat(levels)}} }`;

  test('50 levels of neighbors are refused before any subgraph is called, and the platform stays healthy', async () => {
    const master = await signIn('master');
    const r = await q(nested(50), {}, master.accessToken);
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'QUERY_TOO_DEEP');
    assert.ok(await healthy());
  });

  test('8 levels of neighbors are under the depth limit but refused for their cost', async () => {
    const master = await signIn('master');
    const r = await q(nested(8), {}, master.accessToken);
    assert.equal(errorCode(r), 'QUERY_TOO_COMPLEX');
    assert.ok(Number(r.body.errors![0]!.extensions!.actual) > Number(r.body.errors![0]!.extensions!.limit));
  });

  test('1,000 aliases of the all-five query are refused, and the platform stays healthy', async () => {
    const master = await signIn('master');
    const body = ALL_FIVE_QUERY.replace(/^\s*query AllFive \{\s*hubs/m, '').replace(/\}\s*$/, '');
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: hubs ${body}`).join('\n');
    const r = await q(`{ ${aliases(1000)} }`, {}, master.accessToken);
    // 43,000 tokens: refused while parsing, before it could be counted (413); 100 aliases would be TOO_MANY_ALIASES.
    assert.equal(r.status, 413);
    assert.equal(errorCode(r), 'TOO_MANY_TOKENS');
    const hundred = await q(`{ ${aliases(100)} }`, {}, master.accessToken);
    assert.equal(hundred.status, 400);
    assert.equal(errorCode(hundred), 'TOO_MANY_ALIASES');
    assert.ok(await healthy());
    const ok = await q(ALL_FIVE_QUERY, {}, master.accessToken);
    assert.equal(ok.body.errors, undefined, 'legitimate queries still pass');
  });

  test('an unknown operationName and a subscription over plain HTTP are 400s with their own codes', async () => {
    const master = await signIn('master');
    const res = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${master.accessToken}` },
      body: JSON.stringify({ query: 'query A { hubs { id } }', operationName: 'B' }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).errors[0].extensions.code, 'OPERATION_RESOLUTION_FAILURE');
    const sub = await q('subscription { anything }', {}, master.accessToken);
    assert.equal(sub.status, 400);
    assert.equal(errorCode(sub), 'SUBSCRIPTION_NOT_SUPPORTED');
  });
});

// Last: it spends this address's sign-up and refresh budgets, which the tests above need.
describe('sign-up and refresh floods from one address', () => {
  test('are refused with RATE_LIMITED and a retry time once the address has spent its budget', async () => {
    const signUp = 'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }';
    const signUpCodes: string[] = [];
    for (let i = 0; i < 22; i++) {
      // Weak passwords: refused after the budget is counted, so nothing is created while the flood runs.
      const r = await q(signUp, { i: { username: `flood${i}`, password: 'weak', name: 'F' } });
      signUpCodes.push(String(errorCode(r)));
    }
    assert.ok(
      signUpCodes.slice(0, 15).every((c) => c === 'BAD_USER_INPUT'),
      signUpCodes.join(),
    );
    assert.equal(signUpCodes.at(-1), 'RATE_LIMITED');
    const refreshCodes: string[] = [];
    for (let i = 0; i < 62; i++) refreshCodes.push(String(errorCode(await q(REFRESH, { t: `not-a-token-${i}` }))));
    assert.equal(refreshCodes[0], 'UNAUTHENTICATED');
    assert.equal(refreshCodes.at(-1), 'RATE_LIMITED');
  });
});
