import type { DeliveryManagerResolvers, HubResolvers, UserResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';

export const DeliveryManager: DeliveryManagerResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.manager.load(reference.id),
  user: (manager) => ref(manager.userId),
  hub: (manager) => ref(manager.hubId),
};

export const User: UserResolvers = {
  deliveryManager: (user, _args, ctx) => ctx.loaders.managerByUser.load(user.id),
};

export const Hub: HubResolvers = {
  deliveryManagers: async (hub, { kind }, ctx) => {
    const managers = await ctx.loaders.managersByHub.load(hub.id);
    return kind ? managers.filter((m) => m.kind === kind) : managers;
  },
};
