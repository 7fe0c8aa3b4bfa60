import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from '../../../../lib/orm/columns.js';
import { DELIVERY_STATUSES, DESTINATION_KINDS } from '../domain/legs.js';

export const DELIVERY_CANCEL_REASONS = ['ORDER_CANCELLED', 'MANUAL'] as const;

/**
 * One order's delivery: created from its planned route, with snapshots of what the route and the order said (the
 * order, hub and locker subgraphs own the originals). Its legs are DeliveryLeg rows; `status` is derived from them.
 */
export const Delivery = defineEntity({
  name: 'Delivery',
  tableName: 'deliveries',
  properties: {
    id: idColumn(),
    /** The order (owned by the order subgraph): one delivery per order. */
    orderId: p.uuid().unique(),
    /** Derived from the legs (domain/legs.ts deliveryStatus), stored to filter and show without the legs. */
    status: p.enum([...DELIVERY_STATUSES]),
    supplierHubId: p.uuid(),
    receiverHubId: p.uuid(),
    /** Known when the route event names it (it is optional there). */
    supplierFirmId: p.uuid().nullable(),
    destinationKind: p.enum([...DESTINATION_KINDS]),
    /** FIRM destination: the receiver firm and a snapshot of its name and address. */
    receiverFirmId: p.uuid().nullable(),
    receiverName: p.string().length(200).nullable(),
    receiverAddress: p.string().length(500).nullable(),
    /** LOCKER destination: the locker, and the compartment once the locker subgraph reserved one. */
    lockerId: p.uuid().nullable(),
    reservationId: p.uuid().nullable(),
    compartmentIndex: p.integer().nullable(),
    productName: p.string().length(200),
    quantity: p.integer(),
    requestNote: p.text().nullable(),
    orderCreatedAt: p.datetime().length(3),
    /** Whole route, seconds (the sum of the hub legs' ETAs). */
    expectedDurationSeconds: p.integer(),
    /** Whole route, metres. */
    totalDistanceMeters: p.integer(),
    /** Latest dispatch time (domain/dispatch-deadline.ts). */
    dispatchDeadline: p.datetime().length(3),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
    /** When the first leg left (`delivery.started`). */
    startedAt: p.datetime().length(3).nullable(),
    completedAt: p.datetime().length(3).nullable(),
    cancelledAt: p.datetime().length(3).nullable(),
    cancelReason: p.enum([...DELIVERY_CANCEL_REASONS]).nullable(),
  },
});
export type Delivery = InferEntity<typeof Delivery>;
