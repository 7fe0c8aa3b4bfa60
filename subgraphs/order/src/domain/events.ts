/**
 * The events the order subgraph produces (docs/events.md §5), as an EventMap: payload field names are fixed by the
 * catalogue. Times are ISO 8601 UTC strings with milliseconds; ids are UUIDs. Both are keyed by `orderId`.
 */
import type { CancelReason } from './order-status.js';

/** Where an order goes: a receiver firm's door (with its name and address as ordered) or a locker. */
export type OrderDestination =
  { kind: 'FIRM'; firmId: string; name: string; address: string } | { kind: 'LOCKER'; lockerId: string };

/** An order was placed and its stock reserved: the hub subgraph plans its route (and a locker reserves a compartment). */
export interface OrderCreated {
  orderId: string;
  productId: string;
  productName: string;
  quantity: number;
  supplierFirmId: string;
  supplierHubId: string;
  receiverHubId: string;
  destination: OrderDestination;
  requestNote: string | null;
  /** The user who placed it. */
  createdBy: string;
  createdAt: string;
}

/** An order was cancelled and its stock restored: the delivery and locker subgraphs undo what hangs off it. */
export interface OrderCancelled {
  orderId: string;
  reason: CancelReason;
  /** The user who cancelled; null for a compensation (no route, no compartment, delivery cancelled). */
  cancelledBy: string | null;
  cancelledAt: string;
}

export type OrderEvents = {
  'order.created': OrderCreated;
  'order.cancelled': OrderCancelled;
};
