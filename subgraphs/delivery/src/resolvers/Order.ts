import type { OrderResolvers } from '../__generated__/resolvers-types.js';

export const Order: OrderResolvers = {
  delivery: (order, _args, ctx) => ctx.deliveries.forOrder(ctx.viewer, order.id),
};
