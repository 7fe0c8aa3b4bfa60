/**
 * `order.created` (from the order subgraph, docs/events.md §5): plan the order's route and record `route.planned`,
 * or `route.failed` when a hub is unknown or no path joins them (the order subgraph then cancels the order and
 * restores its stock). The shape read here is this consumer's own, checked at the edge: a malformed payload throws,
 * which dead-letters the event.
 *
 * Idempotent in effect: the only write is the outbox row, in the consumer's transaction with its inbox row, so a
 * redelivered event changes nothing. A retry after a rollback prices the links again, which at worst refreshes ETA
 * cache entries.
 */
import type { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import type { EventEnvelope } from '../../../../lib/events/index.js';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import { hubModuleOf, type HubModule } from '../module.js';
import { RouteService } from '../services/routes.service.js';

/** The fields of `order.created` this consumer reads (version 1); others are ignored. */
export const OrderCreated = z.object({
  orderId: z.string().min(1),
  productName: z.string(),
  quantity: z.number().int().positive(),
  supplierHubId: z.string().min(1),
  receiverHubId: z.string().min(1),
  destination: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('FIRM'), firmId: z.string().min(1), name: z.string(), address: z.string() }),
    z.object({ kind: z.literal('LOCKER'), lockerId: z.string().min(1) }),
  ]),
  requestNote: z
    .string()
    .nullish()
    .transform((note) => note ?? null),
  createdAt: z.iso.datetime({ offset: true }),
});
export type OrderCreated = z.infer<typeof OrderCreated>;

/** The handler, with the hub module it prices links and records events with given explicitly. */
export function orderCreatedHandler(module: (em: EntityManager) => HubModule): EventHandler {
  return async (event: EventEnvelope, em) => {
    if (event.version !== 1) throw new Error(`order.created version ${event.version} is not understood (1 is)`);
    const order = OrderCreated.parse(event.data);
    const { pricing, outbox, logger, network } = module(em);
    // The process's snapshot of hubs and links, as the route query uses: reading and hydrating the whole network
    // for every order was most of this handler's cost. A hub the snapshot does not know makes it read again.
    const plan = await new RouteService(em, pricing.links, outbox, network).planOrder(order);
    // Every route planned for an order is logged (docs/domain.md §8).
    if (plan.ok) {
      logger.info(
        {
          orderId: order.orderId,
          hubs: plan.route.hubs.map((h) => h.name),
          totalDurationSeconds: plan.route.totalDurationSeconds,
          totalDistanceMeters: plan.route.totalDistanceMeters,
          etaSources: [...new Set(plan.route.legs.map((leg) => leg.etaSource))],
        },
        'route planned',
      );
    } else {
      logger.warn({ orderId: order.orderId, reason: plan.reason, hubIds: plan.hubIds }, 'no route for order');
    }
  };
}

/** Handles `order.created` with the hub module of the process that owns `em`'s database. */
export const onOrderCreated: EventHandler = orderCreatedHandler(hubModuleOf);
