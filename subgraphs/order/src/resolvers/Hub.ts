import type { HubResolvers } from '../__generated__/resolvers-types.js';

export const Hub: HubResolvers = {
  firms: async (hub, { type }, ctx) => {
    const firms = await ctx.loaders.firmsByHub.load(hub.id);
    return type ? firms.filter((f) => f.type === type) : firms;
  },
};
