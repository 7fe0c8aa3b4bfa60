/** The locker subgraph's consumers of other subgraphs' events, by event type. */
import type { EventHandlers } from '../../../../lib/events/outbox.js';
import { onOrderCancelled } from './order-cancelled.js';
import { onOrderCreated } from './order-created.js';

export const handlers: EventHandlers = { 'order.created': onOrderCreated, 'order.cancelled': onOrderCancelled };
