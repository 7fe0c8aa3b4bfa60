import type { FirmResolvers, HubResolvers, ProductResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';

export const Firm: FirmResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.firm.load(reference.id),
  hub: (firm) => ref(firm.hubId),
  products: (firm, _args, ctx) => ctx.loaders.productsByFirm.load(firm.id),
};

export const Product: ProductResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.product.load(reference.id),
  firm: async (product, _args, ctx) => (await ctx.loaders.firm.load(product.firmId))!,
};

export const Hub: HubResolvers = {
  firms: async (hub, { type }, ctx) => {
    const firms = await ctx.loaders.firmsByHub.load(hub.id);
    return type ? firms.filter((f) => f.type === type) : firms;
  },
};
