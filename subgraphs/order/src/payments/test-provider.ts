/**
 * An in-memory PaymentProvider for tests and the embedded demo: no network and no real money (every payment is
 * `sandbox`). `createPayment` stands in for the buyer's payment window; lookup, confirm and cancel then follow the
 * PaymentProvider contract, including Bootpay's rule that only card payments can be partially cancelled, so a
 * service tested against it behaves the same on Bootpay.
 */
import { randomUUID } from 'node:crypto';
import {
  capturedStatus,
  PaymentError,
  type CancelPaymentRequest,
  type Payment,
  type PaymentCallOptions,
  type PaymentCancellation,
  type PaymentMethod,
  type PaymentProvider,
} from './provider.js';

/** The states a payment window can leave a payment in. */
export type TestPaymentOutcome = 'PAID' | 'AWAITING_CONFIRMATION' | 'PENDING' | 'FAILED';

export interface TestPaymentInput {
  readonly orderId: string;
  /** KRW, a positive integer. */
  readonly amount: number;
  /** Defaults to a fresh `test_<uuid>`: unique across restarts, as receipt ids are stored under a unique key. */
  readonly receiptId?: string;
  /** Defaults to CARD. */
  readonly method?: PaymentMethod;
  /** Defaults to PAID; AWAITING_CONFIRMATION is a separately-confirmed payment. */
  readonly outcome?: TestPaymentOutcome;
}

interface StoredPayment {
  readonly receiptId: string;
  readonly orderId: string;
  readonly amount: number;
  readonly method: PaymentMethod;
  /** CAPTURED covers PAID, PARTIALLY_CANCELLED and CANCELLED; the cancellations tell them apart. */
  state: 'CAPTURED' | 'AWAITING_CONFIRMATION' | 'PENDING' | 'FAILED';
  paidAt: Date | null;
  /** By cancelId, in the order they were made; `requested` is the amount asked for (undefined = full). */
  readonly cancellations: Map<string, { requested: number | undefined; result: PaymentCancellation }>;
}

const cancelledSum = (p: StoredPayment) => [...p.cancellations.values()].reduce((sum, c) => sum + c.result.amount, 0);

function assertKrw(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`${what} must be a positive KRW integer`);
}

export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'TEST' as const;
  private readonly payments = new Map<string, StoredPayment>();
  private outage = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Records a payment as if a buyer had just gone through the payment window; returns it as `lookup` would. */
  createPayment(input: TestPaymentInput): Payment {
    assertKrw(input.amount, 'amount');
    const receiptId = input.receiptId ?? `test_${randomUUID()}`;
    if (this.payments.has(receiptId)) throw new Error(`Test payment ${receiptId} already exists`);
    const outcome = input.outcome ?? 'PAID';
    const stored: StoredPayment = {
      receiptId,
      orderId: input.orderId,
      amount: input.amount,
      method: input.method ?? 'CARD',
      state: outcome === 'PAID' ? 'CAPTURED' : outcome,
      paidAt: outcome === 'PAID' ? this.now() : null,
      cancellations: new Map(),
    };
    this.payments.set(receiptId, stored);
    return this.snapshot(stored);
  }

  /** Every cancellation of a receipt, oldest first (empty for an unknown receipt). */
  cancellations(receiptId: string): PaymentCancellation[] {
    return [...(this.payments.get(receiptId)?.cancellations.values() ?? [])].map((c) => c.result);
  }

  /** While on, every call rejects with PAYMENT_PROVIDER_UNAVAILABLE, as when Bootpay times out or answers 5xx. */
  simulateOutage(on = true): void {
    this.outage = on;
  }

  async lookup(receiptId: string, options?: PaymentCallOptions): Promise<Payment> {
    return this.snapshot(this.find(receiptId, options));
  }

  async confirm(receiptId: string, options?: PaymentCallOptions): Promise<Payment> {
    const payment = this.find(receiptId, options);
    if (payment.state === 'AWAITING_CONFIRMATION') {
      payment.state = 'CAPTURED';
      payment.paidAt = this.now();
    }
    const current = this.snapshot(payment);
    if (current.status !== 'PAID') {
      throw new PaymentError('PAYMENT_NOT_CONFIRMABLE', `A ${current.status} payment cannot be confirmed`, {
        receiptId,
        status: current.status,
      });
    }
    return current;
  }

  async cancel(request: CancelPaymentRequest, options?: PaymentCallOptions): Promise<PaymentCancellation> {
    if (request.amount !== undefined) assertKrw(request.amount, 'cancel amount');
    const payment = this.find(request.receiptId, options);
    const details = { receiptId: payment.receiptId, cancelId: request.cancelId };

    const earlier = payment.cancellations.get(request.cancelId);
    if (earlier) {
      if (earlier.requested === request.amount) return earlier.result;
      throw new PaymentError('PAYMENT_CANCEL_NOT_ALLOWED', 'This cancelId was used for another amount', details);
    }
    if (payment.state !== 'CAPTURED') {
      throw new PaymentError('PAYMENT_NOT_PAID', 'Nothing was captured, so nothing can be refunded', details);
    }
    const cancelled = cancelledSum(payment);
    const remaining = payment.amount - cancelled;
    const amount = request.amount ?? remaining;
    if (amount === 0 || amount > remaining) {
      throw new PaymentError(
        'PAYMENT_CANCEL_EXCEEDS_REMAINING',
        `Cannot refund ${request.amount ?? 'the rest'}: ${remaining} KRW is still charged`,
        { ...details, remaining },
      );
    }
    if (amount < payment.amount && payment.method !== 'CARD') {
      throw new PaymentError('PAYMENT_CANCEL_NOT_ALLOWED', `${payment.method} payments cancel in full only`, details);
    }
    const result: PaymentCancellation = {
      receiptId: payment.receiptId,
      cancelId: request.cancelId,
      amount,
      cancelledAmount: cancelled + amount,
      remainingAmount: remaining - amount,
      cancelledAt: this.now(),
    };
    payment.cancellations.set(request.cancelId, { requested: request.amount, result });
    return result;
  }

  /** Every call starts here: an aborted or outage-struck call never reaches the data. */
  private find(receiptId: string, options: PaymentCallOptions | undefined): StoredPayment {
    options?.signal?.throwIfAborted();
    if (this.outage) {
      throw new PaymentError('PAYMENT_PROVIDER_UNAVAILABLE', 'The test payment provider is in a simulated outage');
    }
    const payment = this.payments.get(receiptId);
    if (!payment) throw new PaymentError('PAYMENT_NOT_FOUND', `No payment ${receiptId}`, { receiptId });
    return payment;
  }

  private snapshot(p: StoredPayment): Payment {
    const cancelledAmount = cancelledSum(p);
    const last = [...p.cancellations.values()].at(-1);
    return {
      receiptId: p.receiptId,
      orderId: p.orderId,
      amount: p.amount,
      cancelledAmount,
      status: p.state === 'CAPTURED' ? capturedStatus(p.amount, cancelledAmount) : p.state,
      method: p.method,
      paidAt: p.paidAt,
      cancelledAt: last?.result.cancelledAt ?? null,
      sandbox: true,
    };
  }
}
