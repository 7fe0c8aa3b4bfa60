import type { SubscriptionResolvers } from '../__generated__/resolvers-types.js';
import type { LockerContext } from '../context.js';
import type { Compartment as CompartmentRow } from '../entities/compartment.entity.js';
import type { Locker as LockerRow } from '../entities/locker.entity.js';
import { eachOf, hubLockersChannel, lockerChannel, lockerTopics, newestFirst } from '../live.js';
import type { LockerSnapshot } from '../services/ports.js';

/**
 * The locker as the update carries it (committed, published after commit), put in the event's loaders so that
 * neither it nor its compartments are read back from the database.
 */
function fromSnapshot(snapshot: LockerSnapshot, ctx: LockerContext): LockerRow {
  const { compartments, reportedAt, ...fields } = snapshot;
  const locker = {
    ...fields,
    reportedAt: reportedAt ? new Date(reportedAt) : null,
    stateAt: null,
    lastSeenAt: null,
    createdAt: new Date(0),
  } as LockerRow;
  const rows = compartments.map((c) => ({ ...c, lockerId: snapshot.id, observedAt: null }) as CompartmentRow);
  ctx.loaders.locker.prime(snapshot.id, locker);
  ctx.loaders.compartmentsByLocker.prime(snapshot.id, rows);
  return locker;
}

export const Subscription: SubscriptionResolvers = {
  lockerUpdated: {
    subscribe: async (_parent, { lockerId }, ctx) => {
      await ctx.lockers.watchable(lockerId);
      return newestFirst(await lockerTopics(ctx.deps.infra.pubsub).iterate(lockerChannel(lockerId)));
    },
    resolve: (snapshot: LockerSnapshot, _args: unknown, ctx: LockerContext) => fromSnapshot(snapshot, ctx),
  },
  hubLockersUpdated: {
    subscribe: async (_parent, { hubId }, ctx) =>
      newestFirst(eachOf(await lockerTopics(ctx.deps.infra.pubsub).iterate(hubLockersChannel(hubId)))),
    resolve: (snapshot: LockerSnapshot, _args: unknown, ctx: LockerContext) => fromSnapshot(snapshot, ctx),
  },
};
