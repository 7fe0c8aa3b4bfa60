/** The order's pure rules: state machine, request checks and fingerprints, access, pagination. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthenticatedViewer, Role } from '../../../lib/auth/viewer.js';
import { ANONYMOUS } from '../../../lib/auth/viewer.js';
import { DomainError } from '../../../lib/errors/index.js';
import { assertMayCancel, assertMayCreate, inScope, readScope, type OrderParties } from '../src/domain/order-access.js';
import {
  MAX_ORDER_QUANTITY,
  keyFingerprint,
  normalizeOrderRequest,
  requestFingerprint,
  type CreateOrderInput,
} from '../src/domain/order-request.js';
import {
  ORDER_STATUSES,
  allowedTransitions,
  assertTransition,
  canTransition,
  isFinal,
  progressTo,
} from '../src/domain/order-status.js';
import { decodeCursor, encodeCursor, pageSize, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '../src/domain/pagination.js';

const fails = (code: string, details?: Record<string, unknown>) => (e: unknown) => {
  assert.ok(e instanceof DomainError, String(e));
  assert.equal(e.code, code);
  if (details) for (const [k, v] of Object.entries(details)) assert.deepEqual(e.details?.[k], v, k);
  return true;
};

const viewer = (role: Role, scope: { hubId?: string; firmId?: string; userId?: string } = {}): AuthenticatedViewer => ({
  kind: 'user',
  userId: scope.userId ?? 'u-1',
  role,
  hubId: scope.hubId ?? null,
  firmId: scope.firmId ?? null,
  sessionId: null,
  tokenVersion: 0,
});

describe('order state machine', () => {
  test('exactly the documented transitions are allowed', () => {
    const allowed = ORDER_STATUSES.flatMap((from) =>
      ORDER_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    assert.deepEqual(allowed, [
      'CREATED→PROCESSING',
      'CREATED→CANCELLED',
      'PROCESSING→IN_TRANSIT',
      'PROCESSING→CANCELLED',
      'IN_TRANSIT→COMPLETED',
    ]);
    assert.ok(isFinal('COMPLETED') && isFinal('CANCELLED') && !isFinal('IN_TRANSIT'));
  });

  test('a refused transition is INVALID_ORDER_TRANSITION naming the allowed ones', () => {
    assert.throws(
      () => assertTransition('IN_TRANSIT', 'CANCELLED'),
      fails('INVALID_ORDER_TRANSITION', { status: 'IN_TRANSIT', to: 'CANCELLED', allowed: ['COMPLETED'] }),
    );
    assert.throws(
      () => assertTransition('IN_TRANSIT', 'CANCELLED'),
      /allowed: COMPLETED.*only before it is in transit/,
    );
    assert.throws(
      () => assertTransition('CANCELLED', 'PROCESSING'),
      fails('INVALID_ORDER_TRANSITION', { allowed: [] }),
    );
    assert.throws(() => assertTransition('COMPLETED', 'CANCELLED'), /COMPLETED is final/);
    assert.doesNotThrow(() => assertTransition('PROCESSING', 'CANCELLED'));
    assert.deepEqual(allowedTransitions('CREATED'), ['PROCESSING', 'CANCELLED']);
  });

  test('delivery progress advances forward, catches up a lost step, and ignores duplicates and cancelled orders', () => {
    assert.deepEqual(progressTo('CREATED', 'PROCESSING'), { kind: 'advance', steps: ['PROCESSING'] });
    assert.deepEqual(progressTo('PROCESSING', 'IN_TRANSIT'), { kind: 'advance', steps: ['IN_TRANSIT'] });
    assert.deepEqual(progressTo('CREATED', 'IN_TRANSIT'), { kind: 'advance', steps: ['PROCESSING', 'IN_TRANSIT'] });
    assert.deepEqual(progressTo('PROCESSING', 'PROCESSING'), { kind: 'ignore', why: 'ALREADY_THERE' });
    assert.deepEqual(progressTo('COMPLETED', 'IN_TRANSIT'), { kind: 'ignore', why: 'ALREADY_THERE' });
    assert.deepEqual(progressTo('CANCELLED', 'PROCESSING'), { kind: 'ignore', why: 'CANCELLED' });
    assert.deepEqual(progressTo('CANCELLED', 'COMPLETED'), { kind: 'ignore', why: 'CANCELLED' });
    // Every advance is a chain of allowed transitions.
    for (const from of ORDER_STATUSES) {
      for (const target of ['PROCESSING', 'IN_TRANSIT', 'COMPLETED'] as const) {
        const move = progressTo(from, target);
        if (move.kind !== 'advance') continue;
        move.steps.reduce((at, step) => (assert.ok(canTransition(at, step), `${at}→${step}`), step), from);
      }
    }
  });
});

describe('createOrder input', () => {
  const base: CreateOrderInput = {
    productId: '0190F000-0000-7000-8000-000300000001',
    quantity: 3,
    receiverFirmId: '0190f000-0000-7000-8000-000200000004',
    idempotencyKey: 'key-1',
    requestNote: '  before 10:00  ',
  };

  test('is normalized: lower-case ids, trimmed note, one destination', () => {
    assert.deepEqual(normalizeOrderRequest(base), {
      productId: '0190f000-0000-7000-8000-000300000001',
      quantity: 3,
      destination: { kind: 'FIRM', firmId: '0190f000-0000-7000-8000-000200000004' },
      requestNote: 'before 10:00',
      idempotencyKey: 'key-1',
    });
    const locker = normalizeOrderRequest({ ...base, receiverFirmId: null, lockerId: 'L', requestNote: '   ' });
    assert.deepEqual(locker.destination, { kind: 'LOCKER', lockerId: 'l' });
    assert.equal(locker.requestNote, null);
  });

  test('bad fields are BAD_USER_INPUT naming the field', () => {
    const bad = (input: Partial<CreateOrderInput>, field: string) =>
      assert.throws(() => normalizeOrderRequest({ ...base, ...input }), fails('BAD_USER_INPUT', { field }));
    bad({ quantity: 0 }, 'quantity');
    bad({ quantity: -2 }, 'quantity');
    bad({ quantity: 1.5 }, 'quantity');
    bad({ quantity: MAX_ORDER_QUANTITY + 1 }, 'quantity');
    bad({ lockerId: '0190f000-0000-7000-8000-000500000001' }, 'lockerId');
    bad({ receiverFirmId: null }, 'receiverFirmId');
    bad({ idempotencyKey: '   ' }, 'idempotencyKey');
    bad({ idempotencyKey: 'k'.repeat(101) }, 'idempotencyKey');
    bad({ requestNote: 'n'.repeat(501) }, 'requestNote');
    assert.doesNotThrow(() => normalizeOrderRequest({ ...base, quantity: MAX_ORDER_QUANTITY }));
  });

  test('the fingerprint is equal for the same order however it is written, and differs for any other', () => {
    const fp = (input: Partial<CreateOrderInput>) => requestFingerprint(normalizeOrderRequest({ ...base, ...input }));
    const same = fp({});
    assert.match(same, /^[0-9a-f]{64}$/);
    assert.equal(fp({ productId: base.productId.toLowerCase(), requestNote: 'before 10:00' }), same);
    assert.equal(fp({ idempotencyKey: 'another key' }), same, 'the key is not part of the payload');
    assert.notEqual(fp({ quantity: 4 }), same);
    assert.notEqual(fp({ requestNote: 'after 10:00' }), same);
    assert.notEqual(fp({ requestNote: null }), same);
    assert.notEqual(fp({ productId: '0190f000-0000-7000-8000-000300000002' }), same);
    assert.notEqual(fp({ receiverFirmId: '0190f000-0000-7000-8000-000200000005' }), same);
    assert.notEqual(fp({ receiverFirmId: null, lockerId: base.receiverFirmId }), same, 'a locker is not a firm');
    assert.notEqual(keyFingerprint('abc'), keyFingerprint('ABC'));
    assert.notEqual(keyFingerprint('abc'), keyFingerprint('abc '));
  });
});

describe('order access', () => {
  const order: OrderParties = {
    supplierFirmId: 'f-supplier',
    supplierHubId: 'h-supplier',
    receiverFirmId: 'f-receiver',
    receiverHubId: 'h-receiver',
    createdBy: 'u-creator',
  };

  test('read scope per role: MASTER all, hub and firm managers theirs, others refused', () => {
    assert.deepEqual(readScope(viewer('MASTER')), { kind: 'ALL' });
    assert.ok(inScope(readScope(viewer('HUB_MANAGER', { hubId: 'h-supplier' })), order));
    assert.ok(inScope(readScope(viewer('HUB_MANAGER', { hubId: 'h-receiver' })), order));
    assert.ok(!inScope(readScope(viewer('HUB_MANAGER', { hubId: 'h-other' })), order));
    assert.ok(inScope(readScope(viewer('FIRM_MANAGER', { firmId: 'f-supplier' })), order));
    assert.ok(inScope(readScope(viewer('FIRM_MANAGER', { firmId: 'f-receiver' })), order));
    assert.ok(!inScope(readScope(viewer('FIRM_MANAGER', { firmId: 'f-other' })), order));
    assert.ok(!inScope({ kind: 'FIRM', firmId: 'f-receiver' }, { ...order, receiverFirmId: null }));
    assert.throws(() => readScope(viewer('MEMBER')), fails('FORBIDDEN'));
    assert.throws(() => readScope(viewer('DELIVERY_MANAGER', { hubId: 'h-receiver' })), fails('FORBIDDEN'));
    assert.throws(() => readScope(viewer('HUB_MANAGER')), fails('FORBIDDEN'), 'a hub manager without a hub');
    assert.throws(() => readScope(ANONYMOUS), fails('UNAUTHENTICATED'));
  });

  test('create: MASTER for anyone; a firm manager only for its own firm; other roles refused', () => {
    assert.deepEqual(assertMayCreate(viewer('MASTER'), 'f-receiver').forFirmId, 'f-receiver');
    assert.equal(assertMayCreate(viewer('MASTER'), null).forFirmId, null);
    const fm = viewer('FIRM_MANAGER', { firmId: 'f-receiver' });
    assert.equal(assertMayCreate(fm, 'f-receiver').forFirmId, 'f-receiver');
    assert.equal(assertMayCreate(fm, null).forFirmId, 'f-receiver', 'a locker order is for its own firm');
    assert.throws(() => assertMayCreate(fm, 'f-other'), fails('FORBIDDEN'));
    for (const role of ['HUB_MANAGER', 'DELIVERY_MANAGER', 'MEMBER'] as const) {
      assert.throws(() => assertMayCreate(viewer(role, { hubId: 'h-receiver' }), 'f-receiver'), fails('FORBIDDEN'));
    }
    assert.throws(() => assertMayCreate(ANONYMOUS, 'f-receiver'), fails('UNAUTHENTICATED'));
  });

  test('cancel: MASTER, the receiver hub manager, the firm manager who created it', () => {
    assert.doesNotThrow(() => assertMayCancel(viewer('MASTER'), order));
    assert.doesNotThrow(() => assertMayCancel(viewer('HUB_MANAGER', { hubId: 'h-receiver' }), order));
    assert.throws(() => assertMayCancel(viewer('HUB_MANAGER', { hubId: 'h-supplier' }), order), fails('FORBIDDEN'));
    assert.doesNotThrow(() =>
      assertMayCancel(viewer('FIRM_MANAGER', { firmId: 'f-receiver', userId: 'u-creator' }), order),
    );
    assert.throws(
      () => assertMayCancel(viewer('FIRM_MANAGER', { firmId: 'f-receiver', userId: 'u-colleague' }), order),
      fails('FORBIDDEN'),
    );
  });
});

describe('order pagination', () => {
  test('cursors round-trip and refuse anything else; first is bounded', () => {
    const id = '0190f000-0000-7000-8000-0000000000aa';
    const cursor = encodeCursor(id);
    assert.ok(!cursor.includes(id), 'opaque');
    assert.equal(decodeCursor(cursor), id);
    for (const bad of ['', 'not-a-cursor', Buffer.from(`order:v1:x`).toString('base64url'), id]) {
      assert.throws(() => decodeCursor(bad), fails('BAD_USER_INPUT', { field: 'after' }), bad);
    }
    assert.equal(pageSize(undefined), DEFAULT_PAGE_SIZE);
    assert.equal(pageSize(MAX_PAGE_SIZE), MAX_PAGE_SIZE);
    for (const bad of [0, -1, MAX_PAGE_SIZE + 1, 2.5]) {
      assert.throws(() => pageSize(bad), fails('BAD_USER_INPUT', { field: 'first' }), String(bad));
    }
  });
});
