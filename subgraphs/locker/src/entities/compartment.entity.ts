import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn } from '../../../../lib/orm/columns.js';

/** One door of a locker (the "partition"). Stores facts; the GraphQL state is derived from them. */
export const Compartment = defineEntity({
  name: 'Compartment',
  tableName: 'compartments',
  uniques: [{ properties: ['lockerId', 'index'] }],
  properties: {
    id: idColumn(),
    lockerId: p.uuid().index(),
    /** 1-based number printed on the door, as the device reports it. */
    index: p.integer(),
    doorOpen: p.boolean().default(false),
    occupied: p.boolean().default(false),
    /** Held by an ACTIVE or DEPOSITED reservation (the platform's fact; the others are the device's). */
    reserved: p.boolean().default(false),
    /** The device's fault description, null when healthy. */
    fault: p.string().length(200).nullable(),
    /**
     * The device time (`ts`) of the newest report that changed this compartment, or an event about it; with the
     * locker's `stateAt`, what a report must not be older than to be applied.
     */
    observedAt: p.datetime().length(3).nullable(),
  },
});
export type Compartment = InferEntity<typeof Compartment>;
