/**
 * The events the delivery subgraph produces (docs/events.md §5), keyed by the order id. Payload field names are part
 * of the contract between subgraphs: add fields freely, never rename.
 */
import type { LegKind } from './legs.js';

export type DeliveryEvents = {
  /** The delivery and its legs exist and managers were assigned where one was free (null: waiting for one). */
  'delivery.created': {
    deliveryId: string;
    orderId: string;
    legs: {
      legId: string;
      sequence: number;
      kind: LegKind;
      fromHubId: string;
      /** The next hub; null for the last mile, which ends at the receiver firm or locker. */
      toHubId: string | null;
      managerId: string | null;
    }[];
    /** Whole route, seconds. */
    expectedDurationSeconds: number;
    /** ISO 8601 UTC. */
    dispatchDeadline: string;
  };
  /** The first leg left: hub leg 1 MOVING_TO_HUB, or a same-hub order's last mile FIRM_DELIVERY_IN_PROGRESS. */
  'delivery.started': { deliveryId: string; orderId: string; startedAt: string };
  /** The last mile was completed (by its driver, or by the locker's deposit report). */
  'delivery.completed': { deliveryId: string; orderId: string; completedAt: string };
  /**
   * The delivery was cancelled here, by a MASTER (`MANUAL`). A cancellation that follows `order.cancelled` is not
   * announced back to the order (which cancelled first), so `ORDER_CANCELLED` is reserved and not sent today.
   */
  'delivery.cancelled': {
    deliveryId: string;
    orderId: string;
    reason: 'ORDER_CANCELLED' | 'MANUAL';
    cancelledAt: string;
  };
};
