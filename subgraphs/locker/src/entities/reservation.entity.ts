import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';
import { RELEASE_REASONS, RESERVATION_STATUSES } from '../domain/reservations.js';

/**
 * A compartment held for one order's parcel or one room's group order (docs/domain.md §9). Orders and rooms are the
 * order subgraph's ids (plain UUID columns). An order gets at most one reservation (unique), so a redelivered
 * `order.created` never holds a second compartment.
 */
export const Reservation = defineEntity({
  name: 'Reservation',
  tableName: 'reservations',
  indexes: [{ properties: ['status', 'expiresAt'] }, { properties: ['compartmentId', 'status'] }],
  properties: {
    /** UUIDv7, given at creation (reservation.created names it). */
    id: idColumn(),
    lockerId: p.uuid().index(),
    compartmentId: p.uuid(),
    compartmentIndex: p.integer(),
    orderId: p.uuid().nullable().unique(),
    roomId: p.uuid().nullable().index(),
    /** The user who may read the pickup codes: the orderer (or the room's host). */
    recipientId: p.uuid().nullable().index(),
    status: p.enum([...RESERVATION_STATUSES]),
    /** ACTIVE: when the hold ends if nothing was deposited. DEPOSITED: when the pickup codes expire. */
    expiresAt: p.datetime().length(3),
    createdAt: createdAtColumn(),
    depositedAt: p.datetime().length(3).nullable(),
    /** The user whose code or staff role last opened the compartment (after an acknowledged OPEN). */
    openedBy: p.uuid().nullable(),
    openedAt: p.datetime().length(3).nullable(),
    pickedUpBy: p.uuid().nullable(),
    pickedUpAt: p.datetime().length(3).nullable(),
    releasedAt: p.datetime().length(3).nullable(),
    releaseReason: p.enum([...RELEASE_REASONS]).nullable(),
  },
});
export type Reservation = InferEntity<typeof Reservation>;
