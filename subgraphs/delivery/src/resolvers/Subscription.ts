import type { SubscriptionResolvers } from '../__generated__/resolvers-types.js';
import { typedPubSub } from '../../../../lib/infra/pubsub.js';
import type { DeliveryContext } from '../context.js';
import { deliveryTopic, type DeliveryTopics, type DeliveryUpdate } from '../domain/topics.js';

export const Subscription: SubscriptionResolvers = {
  deliveryUpdated: {
    // A delivery that already exists is checked now; each event is checked again as it is read (a fresh context).
    subscribe: async (_parent, { orderId }, ctx) => {
      await ctx.deliveries.forOrder(ctx.viewer, orderId);
      return typedPubSub<DeliveryTopics>(ctx.deps.infra.pubsub).iterate(deliveryTopic(orderId));
    },
    // Typed by hand: codegen's subscribe-or-resolve union gives `resolve` no contextual types.
    resolve: async (update: DeliveryUpdate, _args: unknown, ctx: DeliveryContext) =>
      (await ctx.deliveries.get(ctx.viewer, update.deliveryId))!,
  },
};
