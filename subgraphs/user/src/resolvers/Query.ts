import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  me: (_parent, _args, ctx) => (ctx.viewer.kind === 'user' ? ctx.loaders.user.load(ctx.viewer.userId) : null),
  user: (_parent, { id }, ctx) => ctx.users.get(ctx.viewer, id, (key) => ctx.loaders.user.load(key)),
  users: (_parent, { pendingOnly }, ctx) => ctx.users.list(ctx.viewer, pendingOnly ?? false),
};
