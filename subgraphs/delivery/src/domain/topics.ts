/**
 * Live-update topics the delivery subgraph publishes after a commit (docs/events.md §7): nudges for subscribers to
 * refetch, never facts another subgraph acts on. `deliveryUpdated(orderId)` is served from `delivery:<orderId>`.
 */

/** A delivery or one of its legs changed (created, status, manager, completed, cancelled). */
export interface DeliveryUpdate {
  orderId: string;
  deliveryId: string;
}

export type DeliveryTopics = { [topic: `delivery:${string}`]: DeliveryUpdate };

export const deliveryTopic = (orderId: string): `delivery:${string}` => `delivery:${orderId}`;
