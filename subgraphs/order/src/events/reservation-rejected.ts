/**
 * `reservation.rejected` (locker): no compartment could be held for an order going to a locker (none free, or the
 * locker unknown), so the order is cancelled (NO_COMPARTMENT) and its stock restored; `order.cancelled` then
 * cancels its delivery. A rejection for a room (group orders) carries no `orderId` and is not this handler's.
 */
import { z } from 'zod';
import type { Logger } from '../../../../lib/logger/index.js';
import type { OrderProgressService } from '../services/order-progress.service.js';
import { orderEventHandler } from './handle.js';

/** The part of the payload read here; the locker subgraph sends more (docs/events.md §5). */
export const ReservationRejectedData = z.object({
  orderId: z.guid(),
  lockerId: z.guid(),
  /** `NO_FREE_COMPARTMENT` or `UNKNOWN_LOCKER` today; only logged, so a new reason is no reason to dead-letter. */
  reason: z.string(),
});

export const onReservationRejected = (progress: OrderProgressService, logger: Logger) =>
  orderEventHandler(
    ReservationRejectedData,
    (data, em) => progress.compensate(em, data.orderId, 'NO_COMPARTMENT'),
    logger,
  );
