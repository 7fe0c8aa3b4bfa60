/**
 * What `createOrder` accepts, checked and normalized before anything is read or written (docs/domain.md §6): a
 * positive quantity within MAX_ORDER_QUANTITY, exactly one destination, a short request note, and an idempotency
 * key. The normalized request has one spelling per meaning, so its fingerprint decides whether a repeated key
 * carries "the same payload" (IDEMPOTENCY_KEY_REUSED otherwise).
 */
import { createHash } from 'node:crypto';
import { badInput } from '../../../../lib/errors/index.js';

/** @default 10,000 units: far above any real B2B line, low enough that a typo cannot drain a product in one go. */
export const MAX_ORDER_QUANTITY = 10_000;
/** Characters of `requestNote`, after trimming. */
export const MAX_REQUEST_NOTE_LENGTH = 500;
/** Characters of an idempotency key (a UUID is 36). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 100;
/**
 * How long a key keeps deduplicating, in milliseconds: 24 hours (docs/domain.md §4 asks for at least that). After
 * it the key may be used again for a new order.
 */
export const IDEMPOTENCY_KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** The `CreateOrderInput` of the API. */
export interface CreateOrderInput {
  productId: string;
  quantity: number;
  receiverFirmId?: string | null;
  lockerId?: string | null;
  idempotencyKey: string;
  requestNote?: string | null;
}

export type OrderDestinationChoice = { kind: 'FIRM'; firmId: string } | { kind: 'LOCKER'; lockerId: string };

export interface OrderRequest {
  productId: string;
  quantity: number;
  destination: OrderDestinationChoice;
  /** Trimmed; null when absent or blank. */
  requestNote: string | null;
  idempotencyKey: string;
}

/** Checks `input` and returns it normalized; throws BAD_USER_INPUT naming the first bad field. */
export function normalizeOrderRequest(input: CreateOrderInput): OrderRequest {
  const { quantity } = input;
  if (!Number.isInteger(quantity) || quantity < 1) throw badInput('quantity must be a positive integer', 'quantity');
  if (quantity > MAX_ORDER_QUANTITY) {
    throw badInput(`quantity must be at most ${MAX_ORDER_QUANTITY.toLocaleString('en')} per order`, 'quantity');
  }
  const { receiverFirmId, lockerId } = input;
  if (receiverFirmId && lockerId) {
    throw badInput('Give either receiverFirmId or lockerId, not both: an order has one destination', 'lockerId');
  }
  if (!receiverFirmId && !lockerId) {
    throw badInput('Give the destination: receiverFirmId (a receiver firm) or lockerId (a locker)', 'receiverFirmId');
  }
  const key = input.idempotencyKey;
  if (key.trim() === '') throw badInput('idempotencyKey must not be blank (a UUID per order works)', 'idempotencyKey');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badInput(`idempotencyKey must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, 'idempotencyKey');
  }
  const note = input.requestNote?.trim() || null;
  if (note && note.length > MAX_REQUEST_NOTE_LENGTH) {
    throw badInput(`requestNote must be at most ${MAX_REQUEST_NOTE_LENGTH} characters`, 'requestNote');
  }
  return {
    // Ids arrive as UUIDs in either case (checked at the edge); one spelling keeps fingerprints equal.
    productId: input.productId.toLowerCase(),
    quantity,
    destination: receiverFirmId
      ? { kind: 'FIRM', firmId: receiverFirmId.toLowerCase() }
      : { kind: 'LOCKER', lockerId: lockerId!.toLowerCase() },
    requestNote: note,
    idempotencyKey: key,
  };
}

/**
 * SHA-256 (hex) of the request's payload without its key: equal exactly when two requests ask for the same order.
 * The JSON is built field by field, so its key order (and the hash) never depends on how the input was written.
 */
export function requestFingerprint(request: OrderRequest): string {
  const d = request.destination;
  const canonical = JSON.stringify([
    request.productId,
    request.quantity,
    d.kind,
    d.kind === 'FIRM' ? d.firmId : d.lockerId,
    request.requestNote,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** SHA-256 (hex) of an idempotency key as sent: what is stored and compared (entities/idempotency-key.entity.ts). */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
