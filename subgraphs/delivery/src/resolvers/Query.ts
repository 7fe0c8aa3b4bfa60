import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  deliveryManagers: (_parent, args, ctx) => ctx.managers.list(args),
  deliveryManager: (_parent, { id }, ctx) => ctx.loaders.manager.load(id),
};
