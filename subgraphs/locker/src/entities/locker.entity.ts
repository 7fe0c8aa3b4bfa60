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
    /** The device time (`ts`) of the newest facts applied to any of its compartments; null before the first. */
    reportedAt: p.datetime().length(3).nullable(),
    /**
     * The `ts` of the newest full `state` applied. A state covers every compartment, so a compartment's facts are as
     * new as the later of this and its own `observedAt`; only the compartments whose facts a state changes are
     * written.
     */
    stateAt: p.datetime().length(3).nullable(),
    /**
     * Raised by every committed change of the locker, its compartments or their reservations. Every such change
     * locks this row first, so revisions are ordered per locker; live updates carry it, and a subscriber never
     * goes back to an older one.
     */
    revision: p.integer().default(0),
    createdAt: createdAtColumn(),
  },
});
export type Locker = InferEntity<typeof Locker>;
