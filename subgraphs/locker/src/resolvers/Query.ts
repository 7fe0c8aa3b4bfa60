import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { requireViewer } from '../../../../lib/auth/viewer.js';

export const Query: QueryResolvers = {
  lockers: (_parent, { hubId }, ctx) => ctx.lockers.list(ctx.viewer, hubId),
  locker: (_parent, { id }, ctx) => {
    requireViewer(ctx.viewer);
    return ctx.loaders.locker.load(id);
  },
};
