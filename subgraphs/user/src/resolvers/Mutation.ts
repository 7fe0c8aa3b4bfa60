import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  signUp: (_parent, { input }, ctx) => ctx.auth.signUp(input),
  signIn: (_parent, { username, password }, ctx) => ctx.auth.signIn(username, password),
  refreshToken: (_parent, { token }, ctx) => ctx.auth.refresh(token),
  signOut: (_parent, _args, ctx) => ctx.auth.signOut(ctx.viewer),
  approveUser: (_parent, args, ctx) => ctx.users.approve(ctx.viewer, args),
  setUserStatus: (_parent, { userId, status }, ctx) => ctx.users.setStatus(ctx.viewer, userId, status),
};
