import type { CompartmentResolvers } from '../__generated__/resolvers-types.js';
import { compartmentState } from '../domain/compartment-state.js';

export const Compartment: CompartmentResolvers = {
  state: (compartment) => compartmentState(compartment),
  fault: (compartment) => compartment.fault ?? null,
  reservation: async (compartment, _args, ctx) => {
    const reservation = await ctx.loaders.holdingReservation.load(compartment.id);
    if (!reservation) return null;
    const locker = await ctx.loaders.locker.load(compartment.lockerId);
    return locker ? ctx.reservations.visible(ctx.viewer, reservation, locker.hubId) : null;
  },
};
