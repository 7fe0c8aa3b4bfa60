import type { DeliveryResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';
import { iso } from './time.js';

export const Delivery: DeliveryResolvers = {
  __resolveReference: (reference, ctx) => ctx.deliveries.get(ctx.viewer, reference.id),
  order: (delivery) => ref(delivery.orderId),
  legs: (delivery, _args, ctx) => ctx.loaders.legsByDelivery.load(delivery.id),
  destination: (d) => ({
    kind: d.destinationKind,
    firm: d.receiverFirmId ? ref(d.receiverFirmId) : null,
    name: d.receiverName ?? null,
    address: d.receiverAddress ?? null,
    locker: d.lockerId ? ref(d.lockerId) : null,
    compartmentIndex: d.compartmentIndex ?? null,
  }),
  requestNote: (d) => d.requestNote ?? null,
  dispatchDeadline: (d) => d.dispatchDeadline.toISOString(),
  createdAt: (d) => d.createdAt.toISOString(),
  startedAt: (d) => iso(d.startedAt),
  completedAt: (d) => iso(d.completedAt),
  cancelledAt: (d) => iso(d.cancelledAt),
};
