import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from '../../../../lib/orm/columns.js';
import { DELIVERY_STATUSES, LEG_KINDS } from '../domain/legs.js';

/**
 * One leg of a delivery: a hub hop (HUB) or the last mile (LAST_MILE), with snapshots of its hubs, its own ETA and
 * the manager driving it. A leg without a manager waits for the next one released in its pool.
 */
export const DeliveryLeg = defineEntity({
  name: 'DeliveryLeg',
  tableName: 'delivery_legs',
  uniques: [{ properties: ['deliveryId', 'sequence'] }],
  // Finding the legs that wait for a manager of a pool: the pool is (fromHubId, kind).
  indexes: [{ properties: ['fromHubId', 'kind', 'managerId'] }],
  properties: {
    id: idColumn(),
    // Indexed by the unique (deliveryId, sequence).
    deliveryId: p.uuid(),
    /** 1 … n for the hub legs in route order, n + 1 for the last mile. */
    sequence: p.integer(),
    kind: p.enum([...LEG_KINDS]),
    status: p.enum([...DELIVERY_STATUSES]),
    fromHubId: p.uuid(),
    fromHubName: p.string().length(100),
    fromHubAddress: p.string().length(300),
    /** Null for the last mile: it ends at the delivery's destination. */
    toHubId: p.uuid().nullable(),
    toHubName: p.string().length(100).nullable(),
    toHubAddress: p.string().length(300).nullable(),
    /** This leg's ETA in seconds; null for the last mile (the route has none for it). */
    durationSeconds: p.integer().nullable(),
    distanceMeters: p.integer().nullable(),
    /** KAKAO or ESTIMATE, as the route said. */
    etaSource: p.string().length(20).nullable(),
    /** The DeliveryManager driving it; null while nobody in its pool is free. */
    managerId: p.uuid().nullable().index(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
    /** When it left its first status. */
    startedAt: p.datetime().length(3).nullable(),
    /** When it arrived, completed or was cancelled. */
    finishedAt: p.datetime().length(3).nullable(),
  },
});
export type DeliveryLeg = InferEntity<typeof DeliveryLeg>;
