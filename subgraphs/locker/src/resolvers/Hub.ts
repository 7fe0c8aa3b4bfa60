import type { HubResolvers } from '../__generated__/resolvers-types.js';

export const Hub: HubResolvers = {
  lockers: (hub, _args, ctx) => ctx.loaders.lockersByHub.load(hub.id),
};
