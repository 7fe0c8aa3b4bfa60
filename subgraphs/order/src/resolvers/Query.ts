import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  firms: (_parent, args, ctx) => ctx.catalog.firms(args),
  firm: (_parent, { id }, ctx) => ctx.loaders.firm.load(id),
  products: (_parent, { firmId }, ctx) => ctx.catalog.products(firmId),
  product: (_parent, { id }, ctx) => ctx.loaders.product.load(id),
  order: (_parent, { id }, ctx) => ctx.orders.get(ctx.viewer, id, (orderId) => ctx.loaders.order.load(orderId)),
  orders: (_parent, args, ctx) => ctx.orders.list(ctx.viewer, args),
};
