import type { UserResolvers } from '../__generated__/resolvers-types.js';

export const User: UserResolvers = {
  deliveryManager: (user, _args, ctx) => ctx.loaders.managerByUser.load(user.id),
};
