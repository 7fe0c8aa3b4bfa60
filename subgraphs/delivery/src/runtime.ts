/**
 * Wires the delivery services to the process: the live-update feed on the typed pub/sub (`delivery:<orderId>`) and
 * the Discord dispatch notices. Started as the subgraph's first background task, so it is attached before any event
 * handler or request runs (services/runtime.ts explains why it rides on the ORM).
 */
import { typedPubSub } from '../../../lib/infra/pubsub.js';
import type { BackgroundTask } from '../../../lib/subgraph/background.js';
import type { SubgraphDeps } from '../../../lib/subgraph/index.js';
import { deliveryTopic, type DeliveryTopics } from './domain/topics.js';
import { DiscordWebhookClient } from './notices/discord.js';
import { attachDeliveryRuntime, type DeliveryRuntime } from './services/runtime.js';

export function createDeliveryRuntime({ config, infra, logger }: SubgraphDeps): DeliveryRuntime {
  const log = logger.child({ subgraph: 'delivery' });
  const topics = typedPubSub<DeliveryTopics>(infra.pubsub);
  return {
    feed: { publish: (update) => topics.publish(deliveryTopic(update.orderId), update) },
    notifier: new DiscordWebhookClient({ url: config.notices.discordWebhookUrl, logger: log }),
    onEffectError: (err, what) => log.warn({ err, what }, 'delivery effect after commit failed'),
  };
}

export const deliveryRuntimeTask: BackgroundTask<SubgraphDeps> = {
  name: 'delivery-runtime',
  async start(deps) {
    const detach = attachDeliveryRuntime(deps.db.orm.em, createDeliveryRuntime(deps));
    return async () => detach();
  },
};
