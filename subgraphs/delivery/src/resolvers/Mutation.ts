import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  advanceDeliveryLeg: (_parent, { legId, to }, ctx) => ctx.deliveries.advanceLeg(ctx.viewer, legId, to),
  cancelDelivery: (_parent, { id }, ctx) => ctx.deliveries.cancel(ctx.viewer, id),
};
