import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  deliveryManagers: (_parent, args, ctx) => ctx.managers.list(args),
  deliveryManager: (_parent, { id }, ctx) => ctx.loaders.manager.load(id),
  delivery: (_parent, { id }, ctx) => ctx.deliveries.get(ctx.viewer, id),
  myDeliveryLegs: (_parent, { includeFinished }, ctx) => ctx.deliveries.assignedLegs(ctx.viewer, !!includeFinished),
};
