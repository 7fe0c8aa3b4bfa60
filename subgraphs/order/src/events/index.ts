/**
 * The order subgraph's consumers of other subgraphs' events (docs/events.md §5), by type. Each runs inside the
 * consumer's transaction; the runner records the inbox row and acknowledges after commit.
 */
import type { EventHandlers } from '../../../../lib/events/outbox.js';
import type { Logger } from '../../../../lib/logger/index.js';
import { OrderProgressService } from '../services/order-progress.service.js';
import { onDeliveryCancelled } from './delivery-cancelled.js';
import { onDeliveryCompleted } from './delivery-completed.js';
import { onDeliveryCreated } from './delivery-created.js';
import { onDeliveryStarted } from './delivery-started.js';
import { onReservationRejected } from './reservation-rejected.js';
import { onRouteFailed } from './route-failed.js';

/** The handlers, logging through `logger` (a runner passes the subgraph's own). */
export function createHandlers(
  logger: Logger,
  progress: OrderProgressService = new OrderProgressService(),
): EventHandlers {
  return {
    'route.failed': onRouteFailed(progress, logger),
    'delivery.created': onDeliveryCreated(progress, logger),
    'delivery.started': onDeliveryStarted(progress, logger),
    'delivery.completed': onDeliveryCompleted(progress, logger),
    'delivery.cancelled': onDeliveryCancelled(progress, logger),
    'reservation.rejected': (event, em) =>
      // Rejections for rooms (no orderId) belong to group orders, not to this handler.
      (event.data as { orderId?: unknown }).orderId
        ? onReservationRejected(progress, logger)(event, em)
        : Promise.resolve(),
  };
}
