/** `delivery.created` (delivery): the delivery and its legs exist, so the order is PROCESSING. */
import { z } from 'zod';
import type { Logger } from '../../../../lib/logger/index.js';
import type { OrderProgressService } from '../services/order-progress.service.js';
import { orderEventHandler } from './handle.js';

/** The part of the payload read here; the legs, duration and deadline are the delivery subgraph's business. */
export const DeliveryCreatedData = z.object({ deliveryId: z.guid(), orderId: z.guid() });

export const onDeliveryCreated = (progress: OrderProgressService, logger: Logger) =>
  orderEventHandler(DeliveryCreatedData, (data, em) => progress.progress(em, data.orderId, 'PROCESSING'), logger);
