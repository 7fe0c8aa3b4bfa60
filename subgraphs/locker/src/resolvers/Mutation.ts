import type { MutationResolvers } from '../__generated__/resolvers-types.js';
import type { DeviceReport } from '../domain/reports.js';
import type { LockerContext } from '../context.js';

/** After a device report is committed, the locker as it now is (read fresh: the request's loader is still empty). */
async function reportAndLoad(ctx: LockerContext, lockerId: string, deviceKey: string, report: DeviceReport) {
  await ctx.deviceKeys.authenticate(lockerId, deviceKey);
  await ctx.facts.report(report);
  return (await ctx.loaders.locker.load(lockerId))!;
}

export const Mutation: MutationResolvers = {
  createLocker: (_parent, { input }, ctx) => ctx.lockers.create(ctx.viewer, input),
  registerLockerDevice: async (_parent, { lockerId }, ctx) => {
    const issued = await ctx.deviceKeys.register(ctx.viewer, lockerId);
    return { ...issued, createdAt: issued.createdAt.toISOString() };
  },
  reportLockerState: (_parent, { lockerId, deviceKey, state }, ctx) =>
    reportAndLoad(ctx, lockerId, deviceKey, {
      kind: 'state',
      lockerId,
      ts: state.ts,
      compartments: state.compartments.map((c) => ({
        index: c.index,
        doorOpen: c.door === 'OPEN',
        occupied: c.occupied,
        fault: c.fault || null,
      })),
    }),
  reportLockerEvent: (_parent, { lockerId, deviceKey, event }, ctx) =>
    reportAndLoad(ctx, lockerId, deviceKey, {
      kind: 'event',
      lockerId,
      type: event.type,
      index: event.compartment,
      ts: event.ts,
      fault: event.fault ?? null,
    }),
  ackLockerCommand: async (_parent, { lockerId, deviceKey, ack }, ctx) => {
    await ctx.deviceKeys.authenticate(lockerId, deviceKey);
    return (await ctx.commands.acknowledge(lockerId, ack)) === 'settled';
  },
  openCompartment: (_parent, { lockerId, code }, ctx) => ctx.pickup.open(ctx.viewer, lockerId, code),
  staffOpenCompartment: (_parent, { lockerId, index }, ctx) => ctx.pickup.staffOpen(ctx.viewer, lockerId, index),
  revealPickupCode: async (_parent, { reservationId }, ctx) => {
    const revealed = await ctx.reservations.revealCode(ctx.viewer, reservationId);
    return { ...revealed, expiresAt: revealed.expiresAt.toISOString() };
  },
};
