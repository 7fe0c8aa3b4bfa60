import type { DeliveryManagerResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';

export const DeliveryManager: DeliveryManagerResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.manager.load(reference.id),
  user: (manager) => ref(manager.userId),
  hub: (manager) => ref(manager.hubId),
};
