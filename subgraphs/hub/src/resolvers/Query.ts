import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  hubs: (_parent, _args, ctx) => ctx.hubs.list(),
  hub: (_parent, { id }, ctx) => ctx.loaders.hub.load(id),
  hubLinks: (_parent, _args, ctx) => ctx.hubs.links(),
  route: (_parent, { fromHubId, toHubId }, ctx) => ctx.routes.route(fromHubId, toHubId),
};
