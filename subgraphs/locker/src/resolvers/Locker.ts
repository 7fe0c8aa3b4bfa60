import type { LockerResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';

export const Locker: LockerResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.locker.load(reference.id),
  hub: (locker) => ref(locker.hubId),
  compartments: (locker, _args, ctx) => ctx.loaders.compartmentsByLocker.load(locker.id),
  reportedAt: (locker) => locker.reportedAt?.toISOString() ?? null,
};
