import type { OrderResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';

export const Order: OrderResolvers = {
  // Unscoped on purpose: only the gateway calls `_entities`, following a reference another subgraph's scoped answer
  // made (e.g. a delivery manager's leg). `order` and `orders` apply the read scope (domain/order-access.ts).
  __resolveReference: (reference, ctx) => ctx.loaders.order.load(reference.id),
  product: async (order, _args, ctx) => (await ctx.loaders.product.load(order.productId))!,
  supplierFirm: async (order, _args, ctx) => (await ctx.loaders.firm.load(order.supplierFirmId))!,
  supplierHub: (order) => ref(order.supplierHubId),
  destinationKind: (order) => (order.lockerId ? 'LOCKER' : 'FIRM'),
  receiverFirm: (order, _args, ctx) => (order.receiverFirmId ? ctx.loaders.firm.load(order.receiverFirmId) : null),
  locker: (order) => (order.lockerId ? ref(order.lockerId) : null),
  receiverHub: (order) => ref(order.receiverHubId),
  createdBy: (order) => ref(order.createdBy),
  cancelledAt: (order) => order.cancelledAt?.toISOString() ?? null,
  createdAt: (order) => order.createdAt.toISOString(),
  updatedAt: (order) => order.updatedAt.toISOString(),
};
