import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

export const COMMAND_TYPES = ['OPEN'] as const;
export const COMMAND_STATUSES = ['PENDING', 'SUCCEEDED', 'REFUSED', 'TIMED_OUT'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
/** Why the platform sent it: a recipient's pickup code, or a staff member's role. */
export const COMMAND_PURPOSES = ['PICKUP', 'STAFF'] as const;
export type CommandPurpose = (typeof COMMAND_PURPOSES)[number];

/**
 * A command to a locker and its outcome (docs/mqtt-protocol.md `commands` and `acks`). It is settled exactly once:
 * by the first ack before `expiresAt` (SUCCEEDED or REFUSED), or by the waiting platform at the deadline
 * (TIMED_OUT). What a successful command changes (a pickup code used up) is written in the same transaction as
 * SUCCEEDED, so a timed-out command leaves nothing half-done.
 */
export const LockerCommand = defineEntity({
  name: 'LockerCommand',
  tableName: 'locker_commands',
  indexes: [{ properties: ['lockerId', 'status'] }],
  properties: {
    /** The command id the device sees (UUIDv7). */
    id: idColumn(),
    lockerId: p.uuid(),
    type: p.enum([...COMMAND_TYPES]),
    compartmentIndex: p.integer(),
    purpose: p.enum([...COMMAND_PURPOSES]),
    /** The user the command acts for. */
    actorId: p.uuid().nullable(),
    reservationId: p.uuid().nullable(),
    /** The pickup code presented (PICKUP): used up when the command succeeds. */
    credentialId: p.uuid().nullable(),
    status: p.enum([...COMMAND_STATUSES]),
    /** The device's reason for `ok: false`. */
    deviceError: p.string().length(100).nullable(),
    expiresAt: p.datetime().length(3),
    createdAt: createdAtColumn(),
    settledAt: p.datetime().length(3).nullable(),
  },
});
export type LockerCommand = InferEntity<typeof LockerCommand>;
