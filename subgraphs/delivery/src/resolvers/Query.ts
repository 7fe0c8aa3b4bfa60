import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { requireViewer } from '../../../../lib/auth/viewer.js';

export const Query: QueryResolvers = {
  deliveryManagers: (_parent, args, ctx) => ctx.managers.list(ctx.viewer, args),
  deliveryManager: (_parent, { id }, ctx) => {
    requireViewer(ctx.viewer);
    return ctx.loaders.manager.load(id);
  },
};
