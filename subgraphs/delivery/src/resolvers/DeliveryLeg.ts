import type { DeliveryLegResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';
import { iso } from './time.js';

export const DeliveryLeg: DeliveryLegResolvers = {
  delivery: async (leg, _args, ctx) => (await ctx.loaders.delivery.load(leg.deliveryId))!,
  from: (leg) => ref(leg.fromHubId),
  to: (leg) => (leg.toHubId ? ref(leg.toHubId) : null),
  manager: (leg, _args, ctx) => (leg.managerId ? ctx.loaders.manager.load(leg.managerId) : null),
  nextStatuses: (leg, _args, ctx) => ctx.deliveries.allowedMoves(leg),
  startedAt: (leg) => iso(leg.startedAt),
  finishedAt: (leg) => iso(leg.finishedAt),
};
