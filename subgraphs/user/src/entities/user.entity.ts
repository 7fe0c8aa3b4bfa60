import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ROLES } from '../../../../lib/auth/viewer.js';
import { createdAtColumn, idColumn, updatedAtColumn } from '../../../../lib/orm/columns.js';

export const USER_STATUSES = ['ACTIVE', 'DISABLED'] as const;

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: idColumn(),
    username: p.string().length(20).unique(),
    /** scrypt hash (see services/passwords.ts); never leaves the subgraph. */
    passwordHash: p.string().length(255).hidden(),
    name: p.string().length(60),
    role: p.enum([...ROLES]),
    status: p.enum([...USER_STATUSES]),
    requestedRole: p.enum([...ROLES]).nullable(),
    hubId: p.uuid().nullable(),
    firmId: p.uuid().nullable(),
    /**
     * Raised in the same transaction as any change of role or status; access tokens carry the version they
     * were issued under, and the gateway refuses older ones (lib/auth/sessions.ts).
     */
    tokenVersion: p.integer().default(0),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
export type User = InferEntity<typeof User>;
export type UserStatus = (typeof USER_STATUSES)[number];
