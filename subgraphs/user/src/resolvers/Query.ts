import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { requireRole } from '../../../../lib/auth/viewer.js';

export const Query: QueryResolvers = {
  me: (_parent, _args, ctx) => (ctx.viewer.kind === 'user' ? ctx.loaders.user.load(ctx.viewer.userId) : null),
  user: (_parent, { id }, ctx) => {
    requireRole(ctx.viewer, 'MASTER');
    return ctx.loaders.user.load(id);
  },
  users: (_parent, { pendingOnly }, ctx) => ctx.users.list(ctx.viewer, pendingOnly ?? false),
};
