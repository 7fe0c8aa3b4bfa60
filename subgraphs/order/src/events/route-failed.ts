/** `route.failed` (hub): no route for the order, so it is cancelled (NO_ROUTE) and its stock restored. */
import { z } from 'zod';
import type { Logger } from '../../../../lib/logger/index.js';
import type { OrderProgressService } from '../services/order-progress.service.js';
import { orderEventHandler } from './handle.js';

/** The part of the payload read here; the hub subgraph sends more (docs/events.md §5). */
export const RouteFailedData = z.object({
  orderId: z.guid(),
  supplierHubId: z.guid(),
  receiverHubId: z.guid(),
  /** `NO_PATH` or `UNKNOWN_HUB` today; only logged, so a new reason is no reason to dead-letter. */
  reason: z.string(),
});

export const onRouteFailed = (progress: OrderProgressService, logger: Logger) =>
  orderEventHandler(RouteFailedData, (data, em) => progress.compensate(em, data.orderId, 'NO_ROUTE'), logger);
