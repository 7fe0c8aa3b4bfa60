/**
 * `delivery.created`, this subgraph's own event coming back to it: posts the dispatch notice to Discord, outside
 * the transaction that created the delivery and surviving a crash after its commit (services/notices.service.ts).
 */
import { z } from 'zod';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import { DispatchNoticeService } from '../services/notices.service.js';
import { readPayload } from './payload.js';

/** Only what the notice needs; the rest of the payload is read from the delivery itself. */
const DeliveryCreated = z.object({ deliveryId: z.guid(), orderId: z.guid() });

export const onDeliveryCreated: EventHandler = async (event, em) => {
  const { deliveryId } = readPayload(DeliveryCreated, event);
  await new DispatchNoticeService(em).postFor(deliveryId);
};
