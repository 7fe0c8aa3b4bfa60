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
    reserved: p.boolean().default(false),
    /** The device's fault description, null when healthy. */
    fault: p.string().length(200).nullable(),
  },
});
export type Compartment = InferEntity<typeof Compartment>;
