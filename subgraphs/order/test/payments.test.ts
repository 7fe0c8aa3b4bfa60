import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PaymentError, verifyPayment, type PaymentErrorCode } from '../src/payments/provider.js';
import { TestPaymentProvider } from '../src/payments/test-provider.js';

const failsWith = (code: PaymentErrorCode) => (e: unknown) => {
  assert.ok(e instanceof PaymentError, String(e));
  assert.equal(e.code, code);
  return true;
};

/** A provider on a fixed clock, so that timestamps can be compared exactly. */
function setup() {
  let now = Date.parse('2026-11-21T09:00:00.000Z');
  const provider = new TestPaymentProvider(() => new Date(now));
  return { provider, tick: (ms: number) => (now += ms) };
}

const cancel = (receiptId: string, cancelId: string, amount?: number) => ({
  receiptId,
  cancelId,
  amount,
  reason: 'member left the room',
  requestedBy: 'test',
});

test('a known receipt looks up with amount, status, method and capture time; an unknown one is not found', async () => {
  const { provider } = setup();
  const created = provider.createPayment({ receiptId: 'r-1', orderId: 'room-1:user-1', amount: 12_500 });
  const payment = await provider.lookup('r-1');
  assert.deepEqual(payment, created);
  assert.deepEqual(payment, {
    receiptId: 'r-1',
    orderId: 'room-1:user-1',
    amount: 12_500,
    cancelledAmount: 0,
    status: 'PAID',
    method: 'CARD',
    paidAt: new Date('2026-11-21T09:00:00.000Z'),
    cancelledAt: null,
    sandbox: true,
  });
  assert.equal(provider.name, 'TEST');
  await assert.rejects(provider.lookup('nope'), failsWith('PAYMENT_NOT_FOUND'));
  // Generated receipt ids are unique; a duplicate registration is a test bug.
  const generated = [1, 2].map(() => provider.createPayment({ orderId: 'o', amount: 1 }).receiptId);
  assert.notEqual(generated[0], generated[1]);
  assert.throws(() => provider.createPayment({ receiptId: 'r-1', orderId: 'o', amount: 1 }), /already exists/);
  assert.throws(() => provider.createPayment({ orderId: 'o', amount: 0 }), RangeError);
  assert.throws(() => provider.createPayment({ orderId: 'o', amount: 9.5 }), RangeError);
});

test('verifyPayment accepts exactly the expected order and amount of a PAID payment', async () => {
  const { provider } = setup();
  provider.createPayment({ receiptId: 'paid', orderId: 'order-1', amount: 30_000 });
  provider.createPayment({ receiptId: 'pending', orderId: 'order-1', amount: 30_000, outcome: 'PENDING' });
  provider.createPayment({ receiptId: 'failed', orderId: 'order-1', amount: 30_000, outcome: 'FAILED' });
  const paid = await provider.lookup('paid');

  assert.equal(verifyPayment(paid, { amount: 30_000, orderId: 'order-1' }), paid);
  assert.equal(verifyPayment(paid, { amount: 30_000 }), paid);
  assert.throws(() => verifyPayment(paid, { amount: 3_000, orderId: 'order-1' }), failsWith('PAYMENT_AMOUNT_MISMATCH'));
  assert.throws(() => verifyPayment(paid, { amount: 30_000, orderId: 'order-2' }), failsWith('PAYMENT_ORDER_MISMATCH'));
  for (const receiptId of ['pending', 'failed']) {
    const payment = await provider.lookup(receiptId);
    assert.throws(() => verifyPayment(payment, { amount: 30_000, orderId: 'order-1' }), failsWith('PAYMENT_NOT_PAID'));
  }
  // A payment refunded in part no longer verifies for its full amount.
  await provider.cancel(cancel('paid', 'c-1', 1_000));
  const refunded = await provider.lookup('paid');
  assert.throws(() => verifyPayment(refunded, { amount: 30_000 }), failsWith('PAYMENT_NOT_PAID'));
});

test('a separately-confirmed payment is captured by confirm; confirm again is harmless; others refuse', async () => {
  const { provider, tick } = setup();
  provider.createPayment({ receiptId: 'r', orderId: 'o', amount: 8_000, outcome: 'AWAITING_CONFIRMATION' });
  const waiting = await provider.lookup('r');
  assert.equal(waiting.status, 'AWAITING_CONFIRMATION');
  assert.equal(waiting.paidAt, null);
  assert.throws(() => verifyPayment(waiting, { amount: 8_000 }), failsWith('PAYMENT_NOT_PAID'));

  tick(5_000);
  const confirmed = await provider.confirm('r');
  assert.equal(confirmed.status, 'PAID');
  assert.deepEqual(confirmed.paidAt, new Date('2026-11-21T09:00:05.000Z'));
  tick(5_000);
  assert.deepEqual(await provider.confirm('r'), confirmed);

  provider.createPayment({ receiptId: 'pending', orderId: 'o', amount: 1_000, outcome: 'PENDING' });
  await assert.rejects(provider.confirm('pending'), failsWith('PAYMENT_NOT_CONFIRMABLE'));
  await provider.cancel(cancel('r', 'all'));
  await assert.rejects(provider.confirm('r'), failsWith('PAYMENT_NOT_CONFIRMABLE'));
  await assert.rejects(provider.confirm('nope'), failsWith('PAYMENT_NOT_FOUND'));
});

test('partial cancels add up to a full one; the payment and the bookkeeping follow', async () => {
  const { provider, tick } = setup();
  provider.createPayment({ receiptId: 'r', orderId: 'room-7', amount: 10_000 });

  tick(60_000);
  const first = await provider.cancel(cancel('r', 'member-a', 3_000));
  assert.deepEqual(first, {
    receiptId: 'r',
    cancelId: 'member-a',
    amount: 3_000,
    cancelledAmount: 3_000,
    remainingAmount: 7_000,
    cancelledAt: new Date('2026-11-21T09:01:00.000Z'),
  });
  let payment = await provider.lookup('r');
  assert.equal(payment.status, 'PARTIALLY_CANCELLED');
  assert.equal(payment.cancelledAmount, 3_000);
  assert.deepEqual(payment.cancelledAt, first.cancelledAt);

  tick(60_000);
  const rest = await provider.cancel(cancel('r', 'room-closed'));
  assert.equal(rest.amount, 7_000);
  assert.equal(rest.cancelledAmount, 10_000);
  assert.equal(rest.remainingAmount, 0);
  payment = await provider.lookup('r');
  assert.equal(payment.status, 'CANCELLED');
  assert.equal(payment.cancelledAmount, 10_000);
  assert.deepEqual(payment.cancelledAt, new Date('2026-11-21T09:02:00.000Z'));
  assert.deepEqual(provider.cancellations('r'), [first, rest]);
  assert.deepEqual(provider.cancellations('nope'), []);
});

test('a full cancel refunds everything at once', async () => {
  const { provider } = setup();
  provider.createPayment({ receiptId: 'r', orderId: 'o', amount: 4_500, method: 'EASY_PAY' });
  const result = await provider.cancel(cancel('r', 'order-cancelled'));
  assert.equal(result.amount, 4_500);
  assert.equal(result.remainingAmount, 0);
  assert.equal((await provider.lookup('r')).status, 'CANCELLED');
});

test('repeating a cancel with the same cancelId returns the first result and refunds nothing more', async () => {
  const { provider, tick } = setup();
  provider.createPayment({ receiptId: 'r', orderId: 'o', amount: 10_000 });
  provider.createPayment({ receiptId: 'r2', orderId: 'o', amount: 10_000 });
  const partial = await provider.cancel(cancel('r', 'member-a', 2_000));
  const full = await provider.cancel(cancel('r2', 'order-cancelled'));
  tick(1_000);
  assert.deepEqual(await provider.cancel(cancel('r', 'member-a', 2_000)), partial);
  assert.deepEqual(await provider.cancel(cancel('r2', 'order-cancelled')), full);
  assert.equal((await provider.lookup('r')).cancelledAmount, 2_000);
  assert.equal((await provider.lookup('r2')).cancelledAmount, 10_000);
  assert.equal(provider.cancellations('r').length, 1);
  // The same key for another amount is a caller bug, not a repeat.
  await assert.rejects(provider.cancel(cancel('r', 'member-a', 2_500)), failsWith('PAYMENT_CANCEL_NOT_ALLOWED'));
  await assert.rejects(provider.cancel(cancel('r', 'member-a')), failsWith('PAYMENT_CANCEL_NOT_ALLOWED'));
});

test('over-cancelling is refused and changes nothing', async () => {
  const { provider } = setup();
  provider.createPayment({ receiptId: 'r', orderId: 'o', amount: 10_000 });
  await assert.rejects(provider.cancel(cancel('r', 'too-much', 10_001)), failsWith('PAYMENT_CANCEL_EXCEEDS_REMAINING'));
  await provider.cancel(cancel('r', 'a', 6_000));
  await assert.rejects(provider.cancel(cancel('r', 'b', 4_001)), failsWith('PAYMENT_CANCEL_EXCEEDS_REMAINING'));
  await provider.cancel(cancel('r', 'c', 4_000));
  // Nothing left: a new full cancel is an over-cancel too.
  await assert.rejects(provider.cancel(cancel('r', 'd')), failsWith('PAYMENT_CANCEL_EXCEEDS_REMAINING'));
  assert.equal((await provider.lookup('r')).cancelledAmount, 10_000);
  assert.deepEqual(
    provider.cancellations('r').map((c) => c.cancelId),
    ['a', 'c'],
  );
});

test('cancel refuses uncaptured payments, unknown receipts, bad amounts and partial non-card refunds', async () => {
  const { provider } = setup();
  provider.createPayment({ receiptId: 'waiting', orderId: 'o', amount: 1_000, outcome: 'AWAITING_CONFIRMATION' });
  provider.createPayment({ receiptId: 'failed', orderId: 'o', amount: 1_000, outcome: 'FAILED' });
  provider.createPayment({ receiptId: 'phone', orderId: 'o', amount: 1_000, method: 'PHONE' });
  await assert.rejects(provider.cancel(cancel('waiting', 'x')), failsWith('PAYMENT_NOT_PAID'));
  await assert.rejects(provider.cancel(cancel('failed', 'x')), failsWith('PAYMENT_NOT_PAID'));
  await assert.rejects(provider.cancel(cancel('nope', 'x')), failsWith('PAYMENT_NOT_FOUND'));
  for (const amount of [0, -5, 1.5, Number.NaN]) {
    await assert.rejects(provider.cancel(cancel('phone', 'x', amount)), RangeError);
  }
  await assert.rejects(provider.cancel(cancel('phone', 'x', 400)), failsWith('PAYMENT_CANCEL_NOT_ALLOWED'));
  assert.equal((await provider.cancel(cancel('phone', 'x', 1_000))).remainingAmount, 0);
});

test('an outage rejects every call as retryable UNAVAILABLE; an aborted call rejects with its reason', async () => {
  const { provider } = setup();
  provider.createPayment({ receiptId: 'r', orderId: 'o', amount: 1_000 });
  provider.simulateOutage();
  const unavailable = (e: unknown) => failsWith('PAYMENT_PROVIDER_UNAVAILABLE')(e) && (e as PaymentError).retryable;
  await assert.rejects(() => provider.lookup('r'), unavailable);
  await assert.rejects(() => provider.confirm('r'), unavailable);
  await assert.rejects(() => provider.cancel(cancel('r', 'x')), unavailable);
  provider.simulateOutage(false);
  assert.equal((await provider.lookup('r')).cancelledAmount, 0);

  const controller = new AbortController();
  const reason = new Error('request gone');
  controller.abort(reason);
  await assert.rejects(provider.lookup('r', { signal: controller.signal }), (e) => e === reason);
  assert.equal(new PaymentError('PAYMENT_NOT_FOUND', 'x').retryable, false);
});
