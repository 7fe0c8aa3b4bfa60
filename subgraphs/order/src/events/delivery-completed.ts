/** `delivery.completed` (delivery): the last mile is done, so the order is COMPLETED; its stock stays consumed. */
import { z } from 'zod';
import type { Logger } from '../../../../lib/logger/index.js';
import type { OrderProgressService } from '../services/order-progress.service.js';
import { orderEventHandler } from './handle.js';

export const DeliveryCompletedData = z.object({
  deliveryId: z.guid(),
  orderId: z.guid(),
  completedAt: z.string(),
});

export const onDeliveryCompleted = (progress: OrderProgressService, logger: Logger) =>
  orderEventHandler(DeliveryCompletedData, (data, em) => progress.progress(em, data.orderId, 'COMPLETED'), logger);
