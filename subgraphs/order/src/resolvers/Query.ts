import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { requireViewer } from '../../../../lib/auth/viewer.js';

export const Query: QueryResolvers = {
  firms: (_parent, args, ctx) => ctx.catalog.firms(ctx.viewer, args),
  firm: (_parent, { id }, ctx) => {
    requireViewer(ctx.viewer);
    return ctx.loaders.firm.load(id);
  },
  products: (_parent, { firmId }, ctx) => ctx.catalog.products(ctx.viewer, firmId),
  product: (_parent, { id }, ctx) => {
    requireViewer(ctx.viewer);
    return ctx.loaders.product.load(id);
  },
};
