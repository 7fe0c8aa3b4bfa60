import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, updatedAtColumn } from '../../../../lib/orm/columns.js';

/**
 * What this subgraph learned about an order before (or besides) its delivery. Events from different producers are
 * not ordered (docs/events.md §4): `order.cancelled` may come before `route.planned`, and the locker's
 * `reservation.created` before either. The row remembers those facts, and it is the per-order lock that orders the
 * handlers of one order against each other (each reads it `FOR UPDATE` first).
 */
export const OrderRecord = defineEntity({
  name: 'OrderRecord',
  tableName: 'order_records',
  properties: {
    orderId: p.uuid().primary(),
    /** The order's delivery once created: read under this row's lock, it says whether one exists. */
    deliveryId: p.uuid().nullable(),
    /** Set by `order.cancelled`: no active delivery may exist for this order from then on. */
    cancelledAt: p.datetime().length(3).nullable(),
    cancelReason: p.string().length(40).nullable(),
    /** Set by `reservation.created`: the locker compartment the last mile goes to. */
    reservationId: p.uuid().nullable(),
    lockerId: p.uuid().nullable(),
    compartmentIndex: p.integer().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
export type OrderRecord = InferEntity<typeof OrderRecord>;
