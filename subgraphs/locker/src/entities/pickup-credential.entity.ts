import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

/**
 * The pickup codes of a deposited reservation: a 6-digit PIN and a signed QR token, stored only as keyed hashes
 * (services/pickup-codes.ts). Valid for that compartment alone until `expiresAt`; used up by the first acknowledged
 * open. Until its recipient reads them once, the codes are also kept sealed (encrypted with the pickup secret), then
 * the sealed copy is erased. Issuing new codes revokes the old ones.
 */
export const PickupCredential = defineEntity({
  name: 'PickupCredential',
  tableName: 'pickup_credentials',
  indexes: [{ properties: ['lockerId', 'pinHash'] }],
  properties: {
    id: idColumn(),
    reservationId: p.uuid().index(),
    lockerId: p.uuid(),
    /** HMAC-SHA256 (hex) of locker id and PIN under the pickup secret: unique among a locker's live codes. */
    pinHash: p.string().length(64).hidden(),
    /** SHA-256 (hex) of the QR token. */
    qrTokenHash: p.string().length(64).unique().hidden(),
    /** The codes encrypted (AES-256-GCM) until the recipient reads them; then null. */
    sealed: p.text().nullable(),
    expiresAt: p.datetime().length(3),
    usedAt: p.datetime().length(3).nullable(),
    revokedAt: p.datetime().length(3).nullable(),
    createdAt: createdAtColumn(),
  },
});
export type PickupCredential = InferEntity<typeof PickupCredential>;
