import type { FirmResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';

export const Firm: FirmResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.firm.load(reference.id),
  hub: (firm) => ref(firm.hubId),
  products: (firm, _args, ctx) => ctx.loaders.productsByFirm.load(firm.id),
};
