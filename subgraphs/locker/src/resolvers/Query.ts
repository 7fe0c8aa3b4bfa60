import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  lockers: (_parent, { hubId }, ctx) => ctx.lockers.list(hubId),
  locker: (_parent, { id }, ctx) => ctx.loaders.locker.load(id),
};
