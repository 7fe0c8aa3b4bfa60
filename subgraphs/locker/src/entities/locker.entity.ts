import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

/** A smart locker (the "box"): one device, several compartments. */
export const Locker = defineEntity({
  name: 'Locker',
  tableName: 'lockers',
  properties: {
    id: idColumn(),
    /** The hub whose service area the locker is in (owned by the hub subgraph). */
    hubId: p.uuid().index(),
    name: p.string().length(60),
    address: p.string().length(200),
    /** Device connected, from its retained MQTT presence (last will = offline). */
    online: p.boolean().default(false),
    lastSeenAt: p.datetime().length(3).nullable(),
    createdAt: createdAtColumn(),
  },
});
export type Locker = InferEntity<typeof Locker>;
