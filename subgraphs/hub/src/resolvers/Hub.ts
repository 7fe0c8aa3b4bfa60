import type { HubLinkResolvers, HubResolvers } from '../__generated__/resolvers-types.js';
import type { Hub as HubEntity } from '../entities/hub.entity.js';
import { haversineMeters } from '../domain/geo.js';

export const Hub: HubResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.hub.load(reference.id),
  neighbors: async (hub, _args, ctx) => {
    const hubs = await ctx.loaders.hub.loadMany(await ctx.loaders.neighborIds.load(hub.id));
    return hubs.filter((h): h is HubEntity => h !== null && !(h instanceof Error));
  },
};

export const HubLink: HubLinkResolvers = {
  from: async (link, _args, ctx) => (await ctx.loaders.hub.load(link.fromHubId))!,
  to: async (link, _args, ctx) => (await ctx.loaders.hub.load(link.toHubId))!,
  straightLineMeters: async (link, _args, ctx) => {
    const [a, b] = await Promise.all([ctx.loaders.hub.load(link.fromHubId), ctx.loaders.hub.load(link.toHubId)]);
    return a && b ? Math.round(haversineMeters(a, b)) : 0;
  },
};
