import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

export const DELIVERY_MANAGER_KINDS = ['HUB', 'FIRM'] as const;

/** A user's delivery-manager profile: which hub they work from and their place in its rotation. */
export const DeliveryManager = defineEntity({
  name: 'DeliveryManager',
  tableName: 'delivery_managers',
  uniques: [{ properties: ['hubId', 'kind', 'sequence'] }],
  properties: {
    id: idColumn(),
    /** The account (owned by the user subgraph); one profile per user. */
    userId: p.uuid().unique(),
    hubId: p.uuid().index(),
    kind: p.enum([...DELIVERY_MANAGER_KINDS]),
    /** Round-robin order within (hub, kind). */
    sequence: p.integer(),
    available: p.boolean().default(true),
    createdAt: createdAtColumn(),
  },
});
export type DeliveryManager = InferEntity<typeof DeliveryManager>;
