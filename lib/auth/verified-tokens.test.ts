import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signPassport, verifyPassport } from './tokens.js';
import { VerifiedTokens } from './verified-tokens.js';

test('a verified token is served from memory until it expires, then verified again', async () => {
  let now = 1_000;
  let calls = 0;
  const cache = new VerifiedTokens<string>(10, () => now);
  const verify = async () => ({ value: `v${++calls}`, expiresAtMs: 2_000 });
  assert.equal(await cache.get('t', verify), 'v1');
  now = 1_999;
  assert.equal(await cache.get('t', verify), 'v1');
  assert.equal(calls, 1);
  now = 2_000;
  assert.equal(await cache.get('t', verify), 'v2');
  assert.equal(calls, 2);
});

test('a failed verification is not kept', async () => {
  const cache = new VerifiedTokens<string>();
  let calls = 0;
  const failing = async (): Promise<never> => {
    calls++;
    throw new Error('bad signature');
  };
  await assert.rejects(cache.get('t', failing), /bad signature/);
  await assert.rejects(cache.get('t', failing), /bad signature/);
  assert.equal(calls, 2);
  assert.equal(cache.size, 0);
});

test('past its bound the oldest token is dropped', async () => {
  const cache = new VerifiedTokens<number>(2, () => 0);
  for (const key of ['a', 'b', 'c']) await cache.get(key, async () => ({ value: 1, expiresAtMs: 10 }));
  assert.equal(cache.size, 2);
  let again = false;
  await cache.get('a', async () => ((again = true), { value: 2, expiresAtMs: 10 }));
  assert.ok(again, '"a" was dropped and verified again');
});

test('passports: the second check of one token is the same frozen answer; a token for another audience or secret is still refused', async () => {
  const secret = 'x'.repeat(40);
  const viewer = {
    kind: 'user' as const,
    userId: '0190f000-0000-7000-8000-000100000001',
    role: 'MASTER' as const,
    hubId: null,
    firmId: null,
    sessionId: null,
    tokenVersion: 0,
  };
  const token = await signPassport(viewer, 'hub', { secret, ttlSeconds: 60 });
  const first = await verifyPassport(token, 'hub', secret);
  const second = await verifyPassport(token, 'hub', secret);
  assert.equal(second, first);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.viewer));
  assert.equal(first.viewer.kind === 'user' && first.viewer.userId, viewer.userId);
  await assert.rejects(verifyPassport(token, 'order', secret), { code: 'UNAUTHENTICATED' });
  await assert.rejects(verifyPassport(token, 'hub', 'y'.repeat(40)), { code: 'UNAUTHENTICATED' });
});
