/**
 * `delivery.cancelled` (delivery): the order is cancelled (DELIVERY_CANCELLED) and its stock restored if it is
 * still open. After the usual `order.cancelled → delivery.cancelled` round trip the order is already cancelled, and
 * the event changes nothing.
 */
import { z } from 'zod';
import type { Logger } from '../../../../lib/logger/index.js';
import type { OrderProgressService } from '../services/order-progress.service.js';
import { orderEventHandler } from './handle.js';

export const DeliveryCancelledData = z.object({
  deliveryId: z.guid(),
  orderId: z.guid(),
  /** `ORDER_CANCELLED` or `MANUAL` today; only logged. */
  reason: z.string(),
  cancelledAt: z.string(),
});

export const onDeliveryCancelled = (progress: OrderProgressService, logger: Logger) =>
  orderEventHandler(
    DeliveryCancelledData,
    (data, em) => progress.compensate(em, data.orderId, 'DELIVERY_CANCELLED'),
    logger,
  );
