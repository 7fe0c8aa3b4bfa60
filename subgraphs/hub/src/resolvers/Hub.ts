import type { HubResolvers } from '../__generated__/resolvers-types.js';
import type { Hub as HubEntity } from '../entities/hub.entity.js';

export const Hub: HubResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.hub.load(reference.id),
  neighbors: async (hub, _args, ctx) => {
    const hubs = await ctx.loaders.hub.loadMany(await ctx.loaders.neighborIds.load(hub.id));
    return hubs.filter((h): h is HubEntity => h !== null && !(h instanceof Error));
  },
};
