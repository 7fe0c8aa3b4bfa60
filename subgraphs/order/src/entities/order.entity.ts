import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from '../../../../lib/orm/columns.js';
import { CANCEL_REASONS, ORDER_STATUSES } from '../domain/order-status.js';

/**
 * A B2B order of one product (docs/domain.md §2). Its stock was reserved when it was created and is restored, once,
 * if it is cancelled. Hubs, lockers and users are other subgraphs' ids (plain UUID columns).
 */
export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    /** UUIDv7, given at creation (order.created names it); its order is the list order of `orders`. */
    id: idColumn(),
    productId: p.uuid().index(),
    /** The product's name when ordered. */
    productName: p.string().length(100),
    /** KRW per unit when ordered. */
    unitPrice: p.integer().unsigned(),
    quantity: p.integer().unsigned(),
    supplierFirmId: p.uuid().index(),
    supplierHubId: p.uuid().index(),
    /** The firm the goods are for: the destination firm, or the ordering firm of a locker order; null when a MASTER sends to a locker. */
    receiverFirmId: p.uuid().nullable().index(),
    /** Set for a locker destination (owned by the locker subgraph); null for delivery to the receiver firm's door. */
    lockerId: p.uuid().nullable(),
    /** The receiver firm's hub, or the locker's. */
    receiverHubId: p.uuid().index(),
    requestNote: p.string().length(500).nullable(),
    status: p.enum([...ORDER_STATUSES]),
    cancelReason: p.enum([...CANCEL_REASONS]).nullable(),
    /** The user who cancelled; null when not cancelled or cancelled by compensation. */
    cancelledBy: p.uuid().nullable(),
    cancelledAt: p.datetime().length(3).nullable(),
    /** The user who placed the order. */
    createdBy: p.uuid(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
export type Order = InferEntity<typeof Order>;
