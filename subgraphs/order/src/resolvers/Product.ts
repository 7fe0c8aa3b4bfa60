import type { ProductResolvers } from '../__generated__/resolvers-types.js';

export const Product: ProductResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.product.load(reference.id),
  firm: async (product, _args, ctx) => (await ctx.loaders.firm.load(product.firmId))!,
};
