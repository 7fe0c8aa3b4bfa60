import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

/**
 * A createOrder idempotency key (docs/domain.md §4), written in the same transaction as the order it created, so a
 * failed attempt leaves none behind. Unique per (user, key): of two requests racing with one key, the index lets
 * one insert win and the other finds the winner's order.
 */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'order_idempotency_keys',
  uniques: [{ name: 'order_idempotency_keys_user_key_unique', properties: ['userId', 'keyHash'] }],
  properties: {
    id: idColumn(),
    /** The caller: keys are scoped to the user who sends them. */
    userId: p.uuid(),
    /**
     * SHA-256 (hex) of the key as sent: a fixed width, and compared byte for byte whatever the column's collation
     * (MariaDB's default one would take `abc` and `ABC`, or a trailing space, for the same key).
     */
    keyHash: p.string().length(64),
    /** SHA-256 (hex) of the normalized request without its key (domain/order-request.ts). */
    requestHash: p.string().length(64),
    orderId: p.uuid(),
    createdAt: createdAtColumn(),
    /** After this the key no longer deduplicates and may be reused. */
    expiresAt: p.datetime().length(3).index(),
  },
});
export type IdempotencyKey = InferEntity<typeof IdempotencyKey>;
