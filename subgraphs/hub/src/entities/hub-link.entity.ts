import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn } from '../../../../lib/orm/columns.js';

/** An undirected link, stored once; routing walks it both ways. */
export const HubLink = defineEntity({
  name: 'HubLink',
  tableName: 'hub_links',
  uniques: [{ properties: ['fromHubId', 'toHubId'] }],
  properties: {
    id: idColumn(),
    fromHubId: p.uuid().index(),
    toHubId: p.uuid().index(),
  },
});
export type HubLink = InferEntity<typeof HubLink>;
