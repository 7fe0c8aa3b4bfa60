import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionRegistry } from '../../../lib/auth/sessions.js';
import { MemoryKeyValueStore } from '../../../lib/infra/kv.js';
import { DomainError } from '../../../lib/errors/index.js';
import { RefreshTokenStore } from '../src/services/refresh-tokens.js';

const storeOver = (kv: MemoryKeyValueStore, ttlSeconds: number) =>
  new RefreshTokenStore(kv, new SessionRegistry(kv, ttlSeconds), ttlSeconds);
const unauthenticated = (re: RegExp) => (e: unknown) =>
  e instanceof DomainError && e.code === 'UNAUTHENTICATED' && re.test(e.message);

test('a refresh token rotates: each use returns a new token of the same session', async () => {
  const store = storeOver(new MemoryKeyValueStore(), 3600);
  const first = await store.start('user-1');
  const second = await store.rotate(first.token);
  assert.notEqual(second.token, first.token);
  assert.equal(second.userId, 'user-1');
  assert.equal(second.familyId, first.familyId);
  const third = await store.rotate(second.token);
  assert.equal(third.familyId, first.familyId);
});

test('reusing a rotated token revokes the whole session, including its newest token', async () => {
  const store = storeOver(new MemoryKeyValueStore(), 3600);
  const first = await store.start('user-1');
  const second = await store.rotate(first.token);
  await assert.rejects(store.rotate(first.token), unauthenticated(/reuse detected/));
  await assert.rejects(store.rotate(second.token), unauthenticated(/revoked/));
});

test('of two concurrent uses of one token exactly one wins', async () => {
  const store = storeOver(new MemoryKeyValueStore(), 3600);
  const { token } = await store.start('user-1');
  const results = await Promise.allSettled([store.rotate(token), store.rotate(token)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
});

test('unknown, expired and revoked tokens are refused', async () => {
  let now = 0;
  const store = storeOver(new MemoryKeyValueStore(() => now), 10);
  await assert.rejects(store.rotate('nope'), unauthenticated(/Invalid or expired/));
  const expiring = await store.start('user-1');
  now = 11_000;
  await assert.rejects(store.rotate(expiring.token), unauthenticated(/Invalid or expired/));
  const signedOut = await store.start('user-1');
  await store.revoke(signedOut.familyId);
  await assert.rejects(store.rotate(signedOut.token), unauthenticated(/signed out or revoked/));
});
