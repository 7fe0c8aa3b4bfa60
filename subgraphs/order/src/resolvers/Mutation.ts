import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  createOrder: (_parent, { input }, ctx) => ctx.orders.create(ctx.viewer, input),
  cancelOrder: (_parent, { id }, ctx) => ctx.orders.cancel(ctx.viewer, id),
};
