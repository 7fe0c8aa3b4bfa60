/** `delivery.started` (delivery): the first leg started, so the order is IN_TRANSIT (and can no longer be cancelled). */
import { z } from 'zod';
import type { Logger } from '../../../../lib/logger/index.js';
import type { OrderProgressService } from '../services/order-progress.service.js';
import { orderEventHandler } from './handle.js';

export const DeliveryStartedData = z.object({ deliveryId: z.guid(), orderId: z.guid(), startedAt: z.string() });

export const onDeliveryStarted = (progress: OrderProgressService, logger: Logger) =>
  orderEventHandler(DeliveryStartedData, (data, em) => progress.progress(em, data.orderId, 'IN_TRANSIT'), logger);
