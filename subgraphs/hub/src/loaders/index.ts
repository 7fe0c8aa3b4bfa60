import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/core';
import { byIdLoader } from '../../../../lib/orm/loaders.js';
import { Hub } from '../entities/hub.entity.js';
import { HubLink } from '../entities/hub-link.entity.js';

export function createHubLoaders(em: EntityManager) {
  return {
    hub: byIdLoader(em, Hub),
    /** Ids of the hubs linked to each hub, walking undirected links both ways. */
    neighborIds: new DataLoader<string, string[]>(async (ids) => {
      const links = await em.find(HubLink, { $or: [{ fromHubId: { $in: [...ids] } }, { toHubId: { $in: [...ids] } }] });
      const out = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const l of links) {
        out.get(l.fromHubId)?.push(l.toHubId);
        out.get(l.toHubId)?.push(l.fromHubId);
      }
      return ids.map((id) => out.get(id) ?? []);
    }),
  };
}
export type HubLoaders = ReturnType<typeof createHubLoaders>;
