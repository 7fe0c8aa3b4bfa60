import type { HubLinkResolvers } from '../__generated__/resolvers-types.js';
import { haversineMeters } from '../domain/geo.js';

export const HubLink: HubLinkResolvers = {
  from: async (link, _args, ctx) => (await ctx.loaders.hub.load(link.fromHubId))!,
  to: async (link, _args, ctx) => (await ctx.loaders.hub.load(link.toHubId))!,
  straightLineMeters: async (link, _args, ctx) => {
    const [a, b] = await Promise.all([ctx.loaders.hub.load(link.fromHubId), ctx.loaders.hub.load(link.toHubId)]);
    return a && b ? Math.round(haversineMeters(a, b)) : 0;
  },
};
