/**
 * `order.created` (from the order subgraph, docs/events.md §5): an order for a locker holds a compartment there
 * (`reservation.created`), or is refused (`reservation.rejected`, and the order subgraph cancels it). Orders for a
 * firm's door are none of this subgraph's business. The shape read here is this consumer's own, checked at the edge:
 * a malformed payload throws, which dead-letters the event.
 *
 * Idempotent: an order holds at most one reservation (unique), and a redelivery finds it and changes nothing.
 */
import type { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import type { EventEnvelope } from '../../../../lib/events/index.js';
import { handlerFor, type EventHandler } from '../../../../lib/events/outbox.js';
import { lockerModuleOf, lockerServices, type LockerModule } from '../module.js';

/** The fields of `order.created` this consumer reads (version 1); others are ignored. */
export const OrderCreated = z.object({
  orderId: z.uuid(),
  destination: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('FIRM') }),
    z.object({ kind: z.literal('LOCKER'), lockerId: z.uuid() }),
  ]),
  /** The orderer: the recipient who may read the pickup codes. */
  createdBy: z.uuid(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type OrderCreated = z.infer<typeof OrderCreated>;

/**
 * Whether an order could be this subgraph's business, from the raw event and before any transaction: most orders go
 * to a firm's door, and their events are then acknowledged with no transaction at all (lib/events, `appliesTo`). A
 * payload without a readable destination still reaches the handler, whose parse dead-letters it.
 */
const notForAFirm = (event: EventEnvelope) =>
  (event.data as { destination?: { kind?: unknown } } | null)?.destination?.kind !== 'FIRM';

/** The handler, with the module it builds its services from given explicitly. */
export function orderCreatedHandler(module: (em: EntityManager) => LockerModule): EventHandler {
  return handlerFor(notForAFirm, async (event: EventEnvelope, em) => {
    if (event.version !== 1) throw new Error(`order.created version ${event.version} is not understood (1 is)`);
    const order = OrderCreated.parse(event.data);
    if (order.destination.kind !== 'LOCKER') return;
    const locker = module(em);
    const ttlMs = locker.deps.config.lockers.reservationTtlSeconds * 1000;
    // The hold runs from the order's creation, so a late delivery of the event does not lengthen it.
    const expiresAt = new Date(Math.max(Date.parse(order.createdAt) + ttlMs, Date.now() + 60_000));
    const outcome = await lockerServices(locker, em).reservations.reserveIn(
      em,
      order.destination.lockerId,
      { orderId: order.orderId },
      { expiresAt, recipientId: order.createdBy },
    );
    if (!outcome.ok) {
      locker.logger.warn({ orderId: order.orderId, reason: outcome.reason }, 'no compartment for order');
    }
  });
}

/** Handles `order.created` with the locker module of the process that owns `em`'s database. */
export const onOrderCreated: EventHandler = orderCreatedHandler(lockerModuleOf);
