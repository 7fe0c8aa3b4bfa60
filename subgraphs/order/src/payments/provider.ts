/**
 * The payment seam: what group orders and point top-ups need from a card/easy-pay provider (Bootpay in
 * production, docs/domain.md §10). The buyer pays in the browser or app; the server only looks payments up, confirms
 * separately-confirmed ones, and cancels (refunds) them. Amounts are whole KRW everywhere.
 *
 * Names here are provider-neutral so that services and tests never see Bootpay's status numbers or field names.
 */
import { DomainError, ErrorCode } from '../../../../lib/errors/index.js';

/**
 * Where a payment stands. Bootpay `status` maps as follows (the Bootpay client implements this table):
 * - 0 waiting, 3 approval in progress, a virtual account issued but not yet paid → PENDING
 * - 2 awaiting server approval (window opened with `separately_confirmed`) → AWAITING_CONFIRMATION
 * - 1 completed → PAID, or PARTIALLY_CANCELLED when `cancelled_price` > 0 (see `capturedStatus`)
 * - 20 cancelled → CANCELLED; −30 cancel in progress → CANCELLING
 * - −20 cancel failed → whatever the amounts say (`capturedStatus`): the money is still captured
 * - −1 failed, −2 approval failed → FAILED
 */
export type PaymentStatus =
  'PENDING' | 'AWAITING_CONFIRMATION' | 'PAID' | 'PARTIALLY_CANCELLED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

/** How the buyer paid, coarsely (the Bootpay client derives it from `method_symbol` / `method_origin_symbol`). */
export type PaymentMethod = 'CARD' | 'EASY_PAY' | 'BANK_TRANSFER' | 'VIRTUAL_ACCOUNT' | 'PHONE' | 'OTHER';

/** Which provider a payment went through; stored beside its receipt id so that test receipts stay recognisable. */
export type PaymentProviderName = 'BOOTPAY' | 'TEST';

/** A payment as the provider knows it (Bootpay: the receipt). */
export interface Payment {
  /** The provider's id (Bootpay `receipt_id`); the client posts it to the server after paying. */
  readonly receiptId: string;
  /** Our id for what is being paid, sent to the payment window (Bootpay `order_id`). */
  readonly orderId: string;
  /** KRW charged (Bootpay `price`). */
  readonly amount: number;
  /** KRW refunded so far (Bootpay `cancelled_price`); `amount - cancelledAmount` is still charged. */
  readonly cancelledAmount: number;
  readonly status: PaymentStatus;
  readonly method: PaymentMethod;
  /** When the money was captured (Bootpay `purchased_at`); null until then. */
  readonly paidAt: Date | null;
  /** When the last cancellation went through (Bootpay `cancelled_at`); null if none. */
  readonly cancelledAt: Date | null;
  /** A test-mode payment: no real money moved (Bootpay `sandbox`). A production deployment should not credit it. */
  readonly sandbox: boolean;
}

export interface CancelPaymentRequest {
  readonly receiptId: string;
  /**
   * The caller's idempotency key for this cancellation (Bootpay `cancel_id`), unique per receipt. Repeating a
   * cancel with the same id returns the first result and refunds nothing more, so a retry after a timeout is safe;
   * derive it from what causes the refund (e.g. `room:{roomId}:member:{userId}`).
   */
  readonly cancelId: string;
  /** KRW to refund, a positive integer; omitted = everything still charged (a full cancel). */
  readonly amount?: number;
  /** Why, kept by the provider (Bootpay `cancel_message`). */
  readonly reason: string;
  /** Who asked, kept by the provider (Bootpay `cancel_username`). */
  readonly requestedBy: string;
}

/** The outcome of one cancellation (Bootpay's cancel response). */
export interface PaymentCancellation {
  readonly receiptId: string;
  readonly cancelId: string;
  /** KRW refunded by this cancellation (Bootpay `request_cancel_price`). */
  readonly amount: number;
  /** KRW refunded by all cancellations so far, this one included (Bootpay `cancelled_price`). */
  readonly cancelledAmount: number;
  /** KRW still charged afterwards (Bootpay `remain_price`); 0 after a full cancel. */
  readonly remainingAmount: number;
  /** Bootpay `revoked_at`. */
  readonly cancelledAt: Date;
}

export interface PaymentCallOptions {
  /** Aborts the call; the promise then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * A payment provider. Every method rejects with a PaymentError when the provider answers no or cannot be reached.
 *
 * Bootpay REST v2 (docs/domain.md §10) maps onto it like this; authentication is the client's own business
 * (`POST /v2/request/token`, a Bearer token reused for up to 25 of its 30 minutes, or Basic auth with the newer
 * client/secret keys), so no token crosses this interface:
 * - `lookup`  → `GET /v2/receipt/{receipt_id}`
 * - `confirm` → `POST /v2/confirm` `{receipt_id}`
 * - `cancel`  → `POST /v2/cancel` `{receipt_id, cancel_price, cancel_id, cancel_message, cancel_username}`
 *   (`cancel_price` left out for a full cancel)
 * Bootpay's "receipt not found" error → PAYMENT_NOT_FOUND; 401/403 (bad keys, server IP not allow-listed) →
 * PAYMENT_PROVIDER_REJECTED; timeouts, network errors and 5xx → PAYMENT_PROVIDER_UNAVAILABLE.
 */
export interface PaymentProvider {
  readonly name: PaymentProviderName;

  /**
   * The payment behind a receipt id, as the provider sees it now. Never trust amounts the client sends: check the
   * result with `verifyPayment` before crediting anything.
   * @throws PaymentError PAYMENT_NOT_FOUND for an unknown receipt id.
   */
  lookup(receiptId: string, options?: PaymentCallOptions): Promise<Payment>;

  /**
   * Captures a payment that waits for server approval (AWAITING_CONFIRMATION → PAID). Call it only after the
   * amount, the order and the stock have been checked. Confirming an already PAID payment returns it unchanged,
   * so a retry after a lost answer is safe.
   * @throws PaymentError PAYMENT_NOT_FOUND, or PAYMENT_NOT_CONFIRMABLE in any other state.
   */
  confirm(receiptId: string, options?: PaymentCallOptions): Promise<Payment>;

  /**
   * Refunds part or all of a captured payment (PAID or PARTIALLY_CANCELLED). Idempotent per `cancelId`. A cancel
   * of less than the whole original amount is partial; Bootpay allows that for card payments only.
   * @throws PaymentError PAYMENT_NOT_FOUND;
   *   PAYMENT_NOT_PAID when nothing was captured (pending, awaiting confirmation, failed);
   *   PAYMENT_CANCEL_EXCEEDS_REMAINING when the amount exceeds what is still charged, or nothing is left;
   *   PAYMENT_CANCEL_NOT_ALLOWED for a partial cancel the method does not support, or a `cancelId` already used
   *   for a different amount.
   * @throws RangeError when `amount` is not a positive integer (a caller bug, not a provider answer).
   */
  cancel(request: CancelPaymentRequest, options?: PaymentCallOptions): Promise<PaymentCancellation>;
}

/** The payment failures, a part of the one registry of stable codes (lib/errors). */
export type PaymentErrorCode = Extract<ErrorCode, `PAYMENT_${string}`>;

/** A payment failure: a DomainError whose code is one of the PAYMENT_* codes. */
export class PaymentError extends DomainError {
  override name = 'PaymentError';
  constructor(code: PaymentErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }

  /** Whether the same call may succeed later. */
  get retryable(): boolean {
    return this.code === ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE;
  }
}

/** The status of a captured payment from its amounts: PAID, PARTIALLY_CANCELLED or CANCELLED. */
export function capturedStatus(amount: number, cancelledAmount: number): PaymentStatus {
  if (cancelledAmount <= 0) return 'PAID';
  return cancelledAmount < amount ? 'PARTIALLY_CANCELLED' : 'CANCELLED';
}

/**
 * The server-side check before crediting a payment (docs/domain.md §10, option A step 3): it pays for `orderId` (when
 * given), it is PAID, and it captured exactly `amount` KRW. Returns the payment for chaining. That a receipt id is
 * credited only once is the caller's job (a unique column), since only the caller's database knows.
 * @throws PaymentError PAYMENT_ORDER_MISMATCH, PAYMENT_NOT_PAID or PAYMENT_AMOUNT_MISMATCH, checked in that order.
 */
export function verifyPayment(payment: Payment, expected: { amount: number; orderId?: string }): Payment {
  const details = { receiptId: payment.receiptId };
  if (expected.orderId !== undefined && payment.orderId !== expected.orderId) {
    throw new PaymentError('PAYMENT_ORDER_MISMATCH', 'The payment is for another order', details);
  }
  if (payment.status !== 'PAID') {
    throw new PaymentError('PAYMENT_NOT_PAID', `The payment is not paid (${payment.status})`, {
      ...details,
      status: payment.status,
    });
  }
  if (payment.amount !== expected.amount) {
    throw new PaymentError('PAYMENT_AMOUNT_MISMATCH', `Paid ${payment.amount} KRW, expected ${expected.amount} KRW`, {
      ...details,
      paid: payment.amount,
      expected: expected.amount,
    });
  }
  return payment;
}
