/**
 * Operation rate limits without a network: who pays (user, else address), what an operation costs (demand-control
 * cost; expensive root fields from their own budget, aliases and fragments included), and what happens when the
 * store fails (the general budget fails open, the expensive one closed) or hangs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { Viewer } from '../../lib/auth/viewer.js';
import { createRateLimiter, type RateLimiter } from '../../lib/ratelimit/index.js';
import { silentLogger } from '../../lib/testing/index.js';
import { OperationRateLimits, type RateLimitSettings } from '../src/limits/index.js';
import { expensiveCalls } from '../src/limits/rate.js';

const settings: RateLimitSettings = {
  enabled: true,
  windowSeconds: 60,
  userPoints: 5,
  addressPoints: 3,
  expensivePoints: 2,
  costPerPoint: 1000,
};
const user = (userId: string): Viewer => ({
  kind: 'user',
  userId,
  role: 'MEMBER',
  hubId: null,
  firmId: null,
  sessionId: null,
  tokenVersion: 0,
});
function request(text: string, viewer: Viewer | undefined, cost = 0, clientAddress = '10.0.0.1') {
  const document = parse(text);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return { viewer, clientAddress, document, operation, cost };
}
const code = (e: { extensions: Record<string, unknown> } | undefined) => e?.extensions.code;

test('a user spends their own budget, by demand-control cost; another user and anonymous addresses are apart', async () => {
  const limits = new OperationRateLimits({
    limiter: createRateLimiter({ kind: 'memory' }),
    settings,
    logger: silentLogger,
  });
  assert.deepEqual([limits.points(0), limits.points(999), limits.points(8530), limits.points(50_000)], [1, 1, 9, 51]);
  const alice = user('alice');
  assert.equal(await limits.charge(request('{ hubs { id } }', alice, 2000)), undefined, '3 points');
  assert.equal(await limits.charge(request('{ hubs { id } }', alice, 1000)), undefined, '2 points');
  const refused = await limits.charge(request('{ __typename }', alice));
  assert.equal(code(refused), 'RATE_LIMITED');
  assert.ok(Number(refused!.extensions.retryAfterSeconds) >= 1);
  assert.deepEqual(refused!.extensions.http, { status: 429 });
  assert.equal(await limits.charge(request('{ __typename }', user('bob'))), undefined);
  // Anonymous clients (and unverifiable tokens) pay by address, from a smaller budget.
  for (let i = 0; i < 3; i++) assert.equal(await limits.charge(request('{ __typename }', undefined)), undefined);
  assert.equal(code(await limits.charge(request('{ __typename }', { kind: 'anonymous' }))), 'RATE_LIMITED');
  assert.equal(await limits.charge(request('{ __typename }', undefined, 0, '10.0.0.2')), undefined);
});

test('expensive root fields spend a budget of their own, counting aliases and fragments', async () => {
  const count = (text: string) => {
    const r = request(text, undefined);
    return expensiveCalls(r.document, r.operation);
  };
  assert.equal(count('mutation { createOrder(input: {}) { id } }'), 1);
  assert.equal(
    count('mutation { a: createOrder(input: {}) { id } b: openCompartment(lockerId: "x", code: "1") { id } }'),
    2,
  );
  assert.equal(
    count(
      'mutation { ...F ... on Mutation { cancelOrder(id: "x") { id } } } fragment F on Mutation { createOrder(input: {}) { id } }',
    ),
    2,
  );
  assert.equal(count('mutation { signOut }'), 0);
  assert.equal(count('{ createOrder }'), 0, 'a query field of that name is not the mutation');

  const limits = new OperationRateLimits({
    limiter: createRateLimiter({ kind: 'memory' }),
    settings,
    logger: silentLogger,
  });
  const carol = user('carol');
  const order = 'mutation { createOrder(input: {}) { id } }';
  assert.equal(await limits.charge(request(order, carol)), undefined);
  assert.equal(await limits.charge(request(order, carol)), undefined);
  const refused = await limits.charge(request(order, carol));
  assert.equal(code(refused), 'RATE_LIMITED');
  assert.match(refused!.message, /createOrder/);
  assert.equal(await limits.charge(request('{ __typename }', carol)), undefined, 'the general budget is left');
});

test('store down: operations run (fail open), expensive mutations are refused with 503 (fail closed)', async () => {
  let calls = 0;
  const broken: RateLimiter = {
    consume: async () => {
      calls++;
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    },
    check: async () => {},
    reset: async () => {},
  };
  const warnings: unknown[] = [];
  const logger = { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args) } as typeof silentLogger;
  const limits = new OperationRateLimits({ limiter: broken, settings, logger, storeRetryMs: 60_000 });
  assert.equal(await limits.charge(request('{ __typename }', user('dave'))), undefined);
  const refused = await limits.charge(request('mutation { createOrder(input: {}) { id } }', user('dave')));
  assert.equal(code(refused), 'SERVICE_UNAVAILABLE');
  assert.deepEqual(refused!.extensions.http, { status: 503 });
  assert.equal(calls, 1, 'after a failure the store is not asked again for storeRetryMs');
  assert.ok(warnings.length >= 1);
});

test('a store that does not answer counts as down after storeTimeoutMs', async () => {
  const hanging: RateLimiter = { consume: () => new Promise(() => {}), check: async () => {}, reset: async () => {} };
  const limits = new OperationRateLimits({ limiter: hanging, settings, logger: silentLogger, storeTimeoutMs: 50 });
  const started = performance.now();
  assert.equal(await limits.charge(request('{ __typename }', user('erin'))), undefined);
  assert.ok(performance.now() - started < 1000);
});

test('RATE_LIMITS=off charges nothing', async () => {
  const limits = new OperationRateLimits({
    limiter: createRateLimiter({ kind: 'memory' }),
    settings: { ...settings, enabled: false, userPoints: 1 },
    logger: silentLogger,
  });
  for (let i = 0; i < 5; i++)
    assert.equal(await limits.charge(request('{ __typename }', user('frank'), 50_000)), undefined);
});
