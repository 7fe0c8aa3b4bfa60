/**
 * The events the delivery subgraph handles, by type (docs/events.md §5). The consumer runner calls each inside its
 * transaction, records the inbox row with the effect and acknowledges after commit. `delivery.created` is this
 * subgraph's own event: the delivery consumer group must read the delivery stream too.
 */
import type { EventHandlers } from '../../../../lib/events/outbox.js';
import { onDeliveryCreated } from './delivery-created.js';
import { onOrderCancelled } from './order-cancelled.js';
import { onReservationCreated } from './reservation-created.js';
import { onReservationDeposited } from './reservation-deposited.js';
import { onRoutePlanned } from './route-planned.js';

export const handlers: EventHandlers = {
  'route.planned': onRoutePlanned,
  'order.cancelled': onOrderCancelled,
  'delivery.created': onDeliveryCreated,
  'reservation.created': onReservationCreated,
  'reservation.deposited': onReservationDeposited,
};
