import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { requireViewer } from '../../../../lib/auth/viewer.js';

export const Query: QueryResolvers = {
  hubs: (_parent, _args, ctx) => ctx.hubs.list(ctx.viewer),
  hub: (_parent, { id }, ctx) => {
    requireViewer(ctx.viewer);
    return ctx.loaders.hub.load(id);
  },
  hubLinks: (_parent, _args, ctx) => ctx.hubs.links(ctx.viewer),
};
