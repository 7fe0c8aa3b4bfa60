/** The user subgraph on MariaDB + Redis, called as the gateway would (with a passport). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { testServiceUrls } from '../../../lib/config/index.js';
import { errorCode, postGraphQL, startTestSubgraphs, type TestSubgraph } from '../../../lib/testing/index.js';
import { loadSubgraphs } from '../../../tools/subgraphs.js';
import { PASSPORT_HEADER, signPassport, verifyAccessToken } from '../../../lib/auth/tokens.js';
import { ANONYMOUS, type AuthenticatedViewer } from '../../../lib/auth/viewer.js';
import { userVersionKey } from '../../../lib/auth/sessions.js';
import { User } from '../src/entities/user.entity.js';

const AUTH = 'accessToken refreshToken user { id username role status requestedRole }';
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH} } }`;
const SIGN_IN = `mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { ${AUTH} } }`;
const REFRESH = `mutation($t: String!) { refreshToken(token: $t) { ${AUTH} } }`;

describe('user subgraph', () => {
  let sg: TestSubgraph;
  const viewerOf = (token: string) =>
    verifyAccessToken(token, sg.config.auth.jwtSecret) as Promise<AuthenticatedViewer>;
  const countUsers = () => sg.db.orm.em.fork().count(User, {});

  let close: (() => Promise<void>) | undefined;
  before(async () => {
    // Hub and firm ids are checked with their owners, so those subgraphs run beside this one.
    const defs = (await loadSubgraphs()).filter((d) => ['user', 'hub', 'order'].includes(d.name));
    const started = await startTestSubgraphs(defs, { seed: true });
    close = started.close;
    sg = started.subgraphs.user!;
  });
  after(() => close?.());

  test('refuses a request without a passport, or with one made for another subgraph', async () => {
    const none = await postGraphQL(sg.url, '{ me { id } }');
    assert.equal(none.status, 401);
    assert.equal(errorCode(none), 'UNAUTHENTICATED');
    assert.equal(none.body.data, undefined);
    const forOrder = await signPassport(ANONYMOUS, 'order', { secret: sg.config.auth.passportSecret, ttlSeconds: 60 });
    const wrongAudience = await postGraphQL(sg.url, '{ me { id } }', {}, { [PASSPORT_HEADER]: forOrder });
    assert.equal(wrongAudience.status, 401);
    assert.equal(errorCode(wrongAudience), 'UNAUTHENTICATED');
  });

  test('sign-up makes an ACTIVE MEMBER at once and returns working tokens', async () => {
    const r = await sg.request(SIGN_UP, {
      input: { username: 'newbie', password: 'correct-horse-9', name: 'New Bie' },
    });
    assert.equal(r.body.errors, undefined);
    const { user, accessToken, refreshToken } = r.body.data!.signUp;
    assert.deepEqual(
      { ...user, id: undefined },
      { id: undefined, username: 'newbie', role: 'MEMBER', status: 'ACTIVE', requestedRole: null },
    );
    assert.equal((await viewerOf(accessToken)).userId, user.id);
    assert.ok(refreshToken.length > 30);
  });

  test('sign-up never grants a privileged role; MASTER cannot even be requested', async () => {
    const asked = await sg.request(SIGN_UP, {
      input: {
        username: 'wannabe',
        password: 'correct-horse-9',
        name: 'W',
        requestedRole: 'HUB_MANAGER',
        hubId: '018f3d6c-9a10-7c11-b2a1-e3b893f00101',
      },
    });
    assert.equal(asked.body.data!.signUp.user.role, 'MEMBER');
    assert.equal(asked.body.data!.signUp.user.requestedRole, 'HUB_MANAGER');
    assert.equal((await viewerOf(asked.body.data!.signUp.accessToken)).role, 'MEMBER');

    const before = await countUsers();
    const master = await sg.request(SIGN_UP, {
      input: { username: 'sneaky', password: 'correct-horse-9', name: 'S', requestedRole: 'MASTER' },
    });
    assert.equal(errorCode(master), 'BAD_USER_INPUT');
    assert.equal(await countUsers(), before, 'no row written');
  });

  test('a MASTER approves a requested role; nobody else may', async () => {
    const master = (await sg.request(SIGN_IN, { u: 'master', p: 'hubgraph-demo' })).body.data!.signIn;
    const member = (await sg.request(SIGN_IN, { u: 'member', p: 'hubgraph-demo' })).body.data!.signIn;
    const pending = await sg.request(
      '{ users(pendingOnly: true) { username requestedRole } }',
      {},
      await viewerOf(master.accessToken),
    );
    const target = pending.body.data!.users.find((u: { username: string }) => u.username === 'wannabe');
    assert.ok(target, 'the requested role waits for approval');

    const approve = 'mutation($id: ID!) { approveUser(userId: $id) { role requestedRole hub { id } } }';
    const id = (await sg.db.orm.em.fork().findOneOrFail(User, { username: 'wannabe' })).id;
    const denied = await sg.request(approve, { id }, await viewerOf(member.accessToken));
    assert.equal(errorCode(denied), 'FORBIDDEN');
    const ok = await sg.request(approve, { id }, await viewerOf(master.accessToken));
    assert.deepEqual(ok.body.data!.approveUser, {
      role: 'HUB_MANAGER',
      requestedRole: null,
      hub: { id: '018f3d6c-9a10-7c11-b2a1-e3b893f00101' },
    });
  });

  test('bad usernames and weak passwords are BAD_USER_INPUT naming the rule, and write nothing', async () => {
    const before = await countUsers();
    const weak = await sg.request(SIGN_UP, { input: { username: 'weakling', password: 'password', name: 'W' } });
    assert.equal(errorCode(weak), 'BAD_USER_INPUT');
    assert.match(weak.body.errors![0]!.message, /10–128 characters/);
    assert.equal(weak.body.errors![0]!.extensions!.field, 'password');
    const badName = await sg.request(SIGN_UP, {
      input: { username: 'Bad Name', password: 'correct-horse-9', name: 'B' },
    });
    assert.equal(errorCode(badName), 'BAD_USER_INPUT');
    assert.match(badName.body.errors![0]!.message, /lowercase letters/);
    assert.equal(await countUsers(), before);
  });

  test('a duplicate username is USERNAME_TAKEN, also when sign-ups race', async () => {
    const before = await countUsers();
    const dup = await sg.request(SIGN_UP, { input: { username: 'member', password: 'correct-horse-9', name: 'M' } });
    assert.equal(errorCode(dup), 'USERNAME_TAKEN');
    const race = await Promise.all(
      [1, 2, 3].map(() =>
        sg.request(SIGN_UP, { input: { username: 'racer', password: 'correct-horse-9', name: 'R' } }),
      ),
    );
    assert.equal(race.filter((r) => !r.body.errors).length, 1);
    assert.ok(race.filter((r) => r.body.errors).every((r) => errorCode(r) === 'USERNAME_TAKEN'));
    assert.equal(await countUsers(), before + 1);
  });

  test('unknown user and wrong password get the same UNAUTHENTICATED answer', async () => {
    const unknown = await sg.request(SIGN_IN, { u: 'nobody_here', p: 'hubgraph-demo' });
    const wrong = await sg.request(SIGN_IN, { u: 'member', p: 'not-the-password-1' });
    assert.equal(errorCode(unknown), 'UNAUTHENTICATED');
    assert.deepEqual(unknown.body.errors![0]!.message, wrong.body.errors![0]!.message);
    assert.deepEqual(unknown.body.errors![0]!.extensions, wrong.body.errors![0]!.extensions);
  });

  test('sign-in → refresh rotates → reusing the old token revokes the session', async () => {
    const signIn = (await sg.request(SIGN_IN, { u: 'member', p: 'hubgraph-demo' })).body.data!.signIn;
    const refreshed = await sg.request(REFRESH, { t: signIn.refreshToken });
    const next = refreshed.body.data!.refreshToken;
    assert.notEqual(next.refreshToken, signIn.refreshToken);
    assert.equal(next.user.username, 'member');
    assert.equal((await viewerOf(next.accessToken)).sessionId, (await viewerOf(signIn.accessToken)).sessionId);

    const reuse = await sg.request(REFRESH, { t: signIn.refreshToken });
    assert.equal(errorCode(reuse), 'UNAUTHENTICATED');
    assert.match(reuse.body.errors![0]!.message, /reuse/);
    const afterReuse = await sg.request(REFRESH, { t: next.refreshToken });
    assert.equal(errorCode(afterReuse), 'UNAUTHENTICATED', 'the newest token of the family is dead too');
  });

  test('sign-out revokes the session of the access token', async () => {
    const s = (await sg.request(SIGN_IN, { u: 'member', p: 'hubgraph-demo' })).body.data!.signIn;
    const out = await sg.request('mutation { signOut }', {}, await viewerOf(s.accessToken));
    assert.equal(out.body.data!.signOut, true);
    assert.equal(errorCode(await sg.request(REFRESH, { t: s.refreshToken })), 'UNAUTHENTICATED');
  });

  test('hub and firm ids must exist (asked of their owners): unknown ones are BAD_USER_INPUT and write nothing', async () => {
    const master = await viewerOf(
      (await sg.request(SIGN_IN, { u: 'master', p: 'hubgraph-demo' })).body.data!.signIn.accessToken,
    );
    const unknown = '0190f000-0000-7000-8000-00ff00000001';
    const before = await countUsers();
    const signUp = await sg.request(SIGN_UP, {
      input: {
        username: 'nohub',
        password: 'correct-horse-9',
        name: 'N',
        requestedRole: 'HUB_MANAGER',
        hubId: unknown,
      },
    });
    assert.equal(errorCode(signUp), 'BAD_USER_INPUT');
    assert.equal(signUp.body.errors![0]!.extensions!.field, 'hubId');
    assert.equal(await countUsers(), before);

    const member = await sg.db.orm.em.fork().findOneOrFail(User, { username: 'member' });
    const approve =
      'mutation($id: ID!, $role: Role, $hub: ID, $firm: ID) { approveUser(userId: $id, role: $role, hubId: $hub, firmId: $firm) { role hub { id } firm { id } } }';
    const badHub = await sg.request(approve, { id: member.id, role: 'HUB_MANAGER', hub: unknown }, master);
    assert.equal(errorCode(badHub), 'BAD_USER_INPUT');
    assert.equal(badHub.body.errors![0]!.extensions!.field, 'hubId');
    const badFirm = await sg.request(approve, { id: member.id, role: 'FIRM_MANAGER', firm: unknown }, master);
    assert.equal(badFirm.body.errors![0]!.extensions!.field, 'firmId');
    const unchanged = await sg.db.orm.em.fork().findOneOrFail(User, { username: 'member' });
    assert.deepEqual(
      [unchanged.role, unchanged.hubId, unchanged.firmId, unchanged.tokenVersion],
      ['MEMBER', null, null, member.tokenVersion],
    );
  });

  test('the last active MASTER can be neither demoted nor disabled; with two, a mutual demotion race leaves one', async () => {
    const em = () => sg.db.orm.em.fork();
    const master = await viewerOf(
      (await sg.request(SIGN_IN, { u: 'master', p: 'hubgraph-demo' })).body.data!.signIn.accessToken,
    );
    const demote = 'mutation($id: ID!) { approveUser(userId: $id, role: MEMBER) { role } }';
    const disable = 'mutation($id: ID!) { setUserStatus(userId: $id, status: DISABLED) { status } }';
    assert.equal(errorCode(await sg.request(demote, { id: master.userId }, master)), 'LAST_MASTER');
    assert.equal(errorCode(await sg.request(disable, { id: master.userId }, master)), 'LAST_MASTER');
    assert.equal((await em().findOneOrFail(User, { id: master.userId })).role, 'MASTER');

    // A second MASTER; then both demote each other at the same moment.
    const second = await em().findOneOrFail(User, { username: 'hub_manager' });
    assert.equal(
      (
        await sg.request(
          'mutation($id: ID!) { approveUser(userId: $id, role: MASTER) { role } }',
          { id: second.id },
          master,
        )
      ).body.data!.approveUser.role,
      'MASTER',
    );
    const secondViewer = await viewerOf(
      (await sg.request(SIGN_IN, { u: 'hub_manager', p: 'hubgraph-demo' })).body.data!.signIn.accessToken,
    );
    const race = await Promise.all([
      sg.request(demote, { id: second.id }, master),
      sg.request(demote, { id: master.userId }, secondViewer),
    ]);
    assert.equal(race.filter((r) => !r.body.errors).length, 1, JSON.stringify(race.map((r) => r.body)));
    assert.ok(race.some((r) => errorCode(r) === 'LAST_MASTER'));
    assert.equal(await em().count(User, { role: 'MASTER', status: 'ACTIVE' }), 1);
  });

  test('a change of role or status raises the token version and publishes it where the gateway looks', async () => {
    // The race above left one MASTER, either of the two.
    const { username } = await sg.db.orm.em.fork().findOneOrFail(User, { role: 'MASTER', status: 'ACTIVE' });
    const acting = await viewerOf(
      (await sg.request(SIGN_IN, { u: username, p: 'hubgraph-demo' })).body.data!.signIn.accessToken,
    );
    const target = await sg.db.orm.em.fork().findOneOrFail(User, { username: 'driver01' });
    const r = await sg.request(
      'mutation($id: ID!) { setUserStatus(userId: $id, status: DISABLED) { status } }',
      { id: target.id },
      acting,
    );
    assert.equal(r.body.data!.setUserStatus.status, 'DISABLED');
    const after = await sg.db.orm.em.fork().findOneOrFail(User, { id: target.id });
    assert.equal(after.tokenVersion, target.tokenVersion + 1);
    assert.equal(await sg.infra.kv.get(userVersionKey(target.id)), String(after.tokenVersion));
    // A disabled account cannot sign in (the same answer as a wrong password).
    const signIn = await sg.request(SIGN_IN, { u: 'driver01', p: 'hubgraph-demo' });
    assert.equal(errorCode(signIn), 'UNAUTHENTICATED');
    assert.equal(
      errorCode(
        await sg.request(
          'mutation($id: ID!) { setUserStatus(userId: $id, status: ACTIVE) { status } }',
          { id: target.id },
          await viewerOf(
            (await sg.request(SIGN_IN, { u: 'member', p: 'hubgraph-demo' })).body.data!.signIn.accessToken,
          ),
        ),
      ),
      'FORBIDDEN',
    );
  });

  test('five wrong passwords lock the username out from that address, even for the right password', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(
        errorCode(await sg.request(SIGN_IN, { u: 'delivery_manager', p: `wrong-password-${i}` })),
        'UNAUTHENTICATED',
      );
    const locked = await sg.request(SIGN_IN, { u: 'delivery_manager', p: 'hubgraph-demo' });
    assert.equal(errorCode(locked), 'RATE_LIMITED');
    const retry = locked.body.errors![0]!.extensions!.retryAfterSeconds as number;
    assert.ok(retry > 800 && retry <= 900, `locked for ~15 min (${retry} s)`);
    // Other accounts are unaffected.
    assert.equal(errorCode(await sg.request(SIGN_IN, { u: 'member', p: 'hubgraph-demo' })), undefined);
  });

  test('refresh tokens live in Redis, hashed, with the refresh TTL', async () => {
    const s = (await sg.request(SIGN_IN, { u: 'member', p: 'hubgraph-demo' })).body.data!.signIn;
    const prefix = 'url' in sg.config.redis ? sg.config.redis.prefix : assert.fail('runs on Redis');
    const redis = createClient({ url: testServiceUrls().redisUrl });
    await redis.connect();
    try {
      const hashed = `${prefix}rt:${createHash('sha256').update(s.refreshToken).digest('base64url')}`;
      const stored = JSON.parse((await redis.get(hashed)) ?? assert.fail('the hashed token is stored'));
      assert.equal(stored.userId, (await viewerOf(s.accessToken)).userId);
      const ttl = await redis.ttl(hashed);
      assert.ok(ttl > 0 && ttl <= sg.config.auth.refreshTokenTtlSeconds, `expires (TTL ${ttl} s)`);
      assert.deepEqual(await redis.keys(`${prefix}*${s.refreshToken}*`), [], 'the raw token is in no key');
      for (const key of await redis.keys(`${prefix}*`)) {
        if ((await redis.type(key)) === 'string')
          assert.ok(!(await redis.get(key))!.includes(s.refreshToken), 'nor in any value');
      }
    } finally {
      await redis.close();
    }
  });
});
