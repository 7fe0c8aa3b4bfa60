import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

export const Hub = defineEntity({
  name: 'Hub',
  tableName: 'hubs',
  properties: {
    id: idColumn(),
    /** Display order of data/hubs.json. */
    seq: p.integer(),
    name: p.string().length(40).unique(),
    address: p.string().length(200),
    postalCode: p.string().length(10),
    latitude: p.double().$type<number>(),
    longitude: p.double().$type<number>(),
    central: p.boolean(),
    createdAt: createdAtColumn(),
  },
});
export type Hub = InferEntity<typeof Hub>;
