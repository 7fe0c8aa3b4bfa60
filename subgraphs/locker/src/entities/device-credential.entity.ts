import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

/**
 * A locker device's key for the GraphQL path (`registerLockerDevice`): 32 random bytes, shown once, stored as its
 * SHA-256 (a random key of that size needs no slow hash). Valid only for its own locker until revoked.
 */
export const DeviceCredential = defineEntity({
  name: 'DeviceCredential',
  tableName: 'device_credentials',
  properties: {
    id: idColumn(),
    lockerId: p.uuid().index(),
    keyHash: p.string().length(64).unique().hidden(),
    createdAt: createdAtColumn(),
    revokedAt: p.datetime().length(3).nullable(),
  },
});
export type DeviceCredential = InferEntity<typeof DeviceCredential>;
