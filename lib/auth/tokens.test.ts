import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { signAccessToken, signPassport, verifyAccessToken, verifyPassport } from './tokens.js';
import { ANONYMOUS, type AuthenticatedViewer } from './viewer.js';
import { DomainError } from '../errors/index.js';

const JWT = 'j'.repeat(40);
const PASSPORT = 'p'.repeat(40);
const viewer: AuthenticatedViewer = {
  kind: 'user',
  userId: '0190f000-0000-7000-8000-000100000001',
  role: 'HUB_MANAGER',
  hubId: '018f3d6c-9a10-7c11-b2a1-e3b893f00101',
  firmId: null,
  sessionId: 'session-1',
  tokenVersion: 3,
};
const isUnauthenticated = (message?: RegExp) => (err: unknown) =>
  err instanceof DomainError && err.code === 'UNAUTHENTICATED' && (!message || message.test(err.message));

test('an access token round-trips the viewer with role and scope', async () => {
  const token = await signAccessToken(viewer, { secret: JWT, ttlSeconds: 60 });
  assert.deepEqual(await verifyAccessToken(token, JWT), viewer);
});

test('a token signed with another secret (forged) is UNAUTHENTICATED', async () => {
  const forged = await signAccessToken({ ...viewer, role: 'MASTER' }, { secret: 'f'.repeat(40), ttlSeconds: 60 });
  await assert.rejects(verifyAccessToken(forged, JWT), isUnauthenticated(/Invalid access token/));
});

test('an expired access token is UNAUTHENTICATED and says it expired', async () => {
  const expired = await new SignJWT({ role: 'MASTER' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(viewer.userId)
    .setIssuer('hubgraph-user')
    .setAudience('hubgraph-gateway')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(JWT));
  await assert.rejects(verifyAccessToken(expired, JWT), isUnauthenticated(/expired/));
});

test('an unsigned (alg none) token is refused', async () => {
  const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  const body = Buffer.from(
    JSON.stringify({ sub: viewer.userId, role: 'MASTER', iss: 'hubgraph-user', aud: 'hubgraph-gateway' }),
  ).toString('base64url');
  await assert.rejects(verifyAccessToken(`${header}.${body}.`, JWT), isUnauthenticated());
});

test('a passport is accepted only by the subgraph it was made for', async () => {
  const passport = await signPassport(
    viewer,
    'order',
    { secret: PASSPORT, ttlSeconds: 60 },
    { clientAddress: '203.0.113.7' },
  );
  assert.deepEqual(await verifyPassport(passport, 'order', PASSPORT), { viewer, clientAddress: '203.0.113.7' });
  await assert.rejects(verifyPassport(passport, 'user', PASSPORT), isUnauthenticated());
});

test('an anonymous passport carries no user', async () => {
  const passport = await signPassport(ANONYMOUS, 'hub', { secret: PASSPORT, ttlSeconds: 60 });
  assert.deepEqual(await verifyPassport(passport, 'hub', PASSPORT), { viewer: ANONYMOUS, clientAddress: null });
});

test('a missing passport, or an access token offered as one, is UNAUTHENTICATED', async () => {
  await assert.rejects(verifyPassport(undefined, 'hub', PASSPORT), isUnauthenticated(/Missing/));
  const access = await signAccessToken(viewer, { secret: PASSPORT, ttlSeconds: 60 });
  await assert.rejects(verifyPassport(access, 'hub', PASSPORT), isUnauthenticated(/Invalid gateway passport/));
});
