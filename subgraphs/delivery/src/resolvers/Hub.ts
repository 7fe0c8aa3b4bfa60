import type { HubResolvers } from '../__generated__/resolvers-types.js';

export const Hub: HubResolvers = {
  deliveryManagers: async (hub, { kind }, ctx) => {
    const managers = await ctx.loaders.managersByHub.load(hub.id);
    return kind ? managers.filter((m) => m.kind === kind) : managers;
  },
};
