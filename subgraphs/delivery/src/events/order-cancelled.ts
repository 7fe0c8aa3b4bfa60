/**
 * `order.cancelled` (order → delivery): cancels the order's unfinished legs and releases their managers, or, when
 * the route has not been planned yet, remembers the cancellation so that no delivery is created for it.
 *
 * No `delivery.cancelled` answers it: the order cancelled first and would only ignore the echo. So the saga has no
 * loop: a MASTER's `cancelDelivery` → `delivery.cancelled` (MANUAL) → the order cancels → `order.cancelled` → here,
 * where the delivery is already cancelled and nothing changes.
 */
import { z } from 'zod';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import { DeliveryService } from '../services/deliveries.service.js';
import { readPayload } from './payload.js';

export const OrderCancelled = z.object({
  orderId: z.guid(),
  reason: z.enum(['USER', 'NO_ROUTE', 'NO_COMPARTMENT', 'DELIVERY_CANCELLED']),
  cancelledBy: z.guid().nullable(),
  cancelledAt: z.iso.datetime({ offset: true }),
});

export const onOrderCancelled: EventHandler = async (event, em) => {
  const { orderId, reason, cancelledAt } = readPayload(OrderCancelled, event);
  await new DeliveryService({ em }).cancelForOrder({ orderId, reason, cancelledAt: new Date(cancelledAt) });
};
