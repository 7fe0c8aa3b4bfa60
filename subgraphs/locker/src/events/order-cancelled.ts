/**
 * `order.cancelled` (from the order subgraph, docs/events.md §5): the order's compartment is released
 * (`reservation.released`, reason ORDER_CANCELLED). Idempotent: an order without a holding reservation (never
 * reserved, rejected, or already released) changes nothing.
 */
import type { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import type { EventEnvelope } from '../../../../lib/events/index.js';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import { lockerModuleOf, lockerServices, type LockerModule } from '../module.js';

/** The fields of `order.cancelled` this consumer reads (version 1). */
export const OrderCancelled = z.object({
  orderId: z.uuid(),
  cancelledAt: z.iso.datetime({ offset: true }),
});

export function orderCancelledHandler(module: (em: EntityManager) => LockerModule): EventHandler {
  return async (event: EventEnvelope, em) => {
    if (event.version !== 1) throw new Error(`order.cancelled version ${event.version} is not understood (1 is)`);
    const order = OrderCancelled.parse(event.data);
    await lockerServices(module(em), em).reservations.releaseIn(em, { orderId: order.orderId }, 'ORDER_CANCELLED');
  };
}

/** Handles `order.cancelled` with the locker module of the process that owns `em`'s database. */
export const onOrderCancelled: EventHandler = orderCancelledHandler(lockerModuleOf);
