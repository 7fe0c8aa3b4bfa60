import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  lockers: (_parent, { hubId }, ctx) => ctx.lockers.list(hubId),
  locker: (_parent, { id }, ctx) => ctx.loaders.locker.load(id),
  reservation: (_parent, { id }, ctx) => ctx.reservations.get(ctx.viewer, id),
  myReservations: (_parent, _args, ctx) => ctx.reservations.mine(ctx.viewer),
  lockerCommands: async (_parent, { lockerId, deviceKey }, ctx) => {
    await ctx.deviceKeys.authenticate(lockerId, deviceKey);
    return ctx.commands.pending(lockerId);
  },
};
