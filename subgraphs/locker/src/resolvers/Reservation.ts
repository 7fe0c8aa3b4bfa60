import type { ReservationResolvers } from '../__generated__/resolvers-types.js';

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

export const Reservation: ReservationResolvers = {
  locker: async (reservation, _args, ctx) => (await ctx.loaders.locker.load(reservation.lockerId))!,
  expiresAt: (reservation) => reservation.expiresAt.toISOString(),
  depositedAt: (reservation) => iso(reservation.depositedAt),
  pickedUpAt: (reservation) => iso(reservation.pickedUpAt),
  pickupCodeWaiting: (reservation, _args, ctx) =>
    reservation.status === 'DEPOSITED' ? ctx.loaders.codeWaiting.load(reservation.id) : false,
};
