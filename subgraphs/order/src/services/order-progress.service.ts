/**
 * What other subgraphs' events do to orders (docs/events.md §5–§6): the delivery's progress moves the order
 * forward, and a failure later in the chain cancels it by compensation (stock restored, `order.cancelled`).
 *
 * Each method runs in the caller's transaction (the event consumer's) with the order row locked, and is idempotent
 * in effect: a duplicate, a late event on a finished order, or one the state machine refuses changes nothing and
 * says why in its outcome, for the handler to log. Nothing here throws for such races, so they are acknowledged
 * rather than retried into the dead-letter stream.
 */
import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { EventRecorder } from '../../../../lib/events/outbox.js';
import type { OrderEvents } from '../domain/events.js';
import {
  assertTransition,
  canTransition,
  progressTo,
  type CancelReason,
  type OrderStatus,
} from '../domain/order-status.js';
import { Order } from '../entities/order.entity.js';
import { cancelLockedOrder, orderOutbox } from './order-changes.js';

/** What an event did to its order. */
export type OrderOutcome =
  | { applied: true; orderId: string; from: OrderStatus; to: OrderStatus }
  | {
      applied: false;
      orderId: string;
      /** The order's status, when it exists. */
      status?: OrderStatus;
      why: 'UNKNOWN_ORDER' | 'ALREADY_THERE' | 'CANCELLED' | 'NOT_CANCELLABLE';
    };

/** The forward statuses a delivery event can report. */
export type DeliveryProgress = 'PROCESSING' | 'IN_TRANSIT' | 'COMPLETED';

/** Compensation reasons: every cancel reason but a person's. */
export type CompensationReason = Exclude<CancelReason, 'USER'>;

export class OrderProgressService {
  constructor(private readonly outbox: EventRecorder<OrderEvents> = orderOutbox) {}

  /**
   * Moves the order forward to `target` (PROCESSING on delivery.created, IN_TRANSIT on delivery.started, COMPLETED
   * on delivery.completed), through any step an earlier lost event left out (domain/order-status.ts `progressTo`).
   * A cancelled order stays cancelled.
   */
  async progress(em: EntityManager, orderId: string, target: DeliveryProgress): Promise<OrderOutcome> {
    const order = await this.lock(em, orderId);
    if (!order) return { applied: false, orderId, why: 'UNKNOWN_ORDER' };
    const from = order.status;
    const move = progressTo(from, target);
    if (move.kind === 'ignore') return { applied: false, orderId, status: from, why: move.why };
    for (const step of move.steps) {
      assertTransition(order.status, step);
      order.status = step;
    }
    await em.flush();
    return { applied: true, orderId, from, to: target };
  }

  /**
   * Cancels the order for a failure later in the chain (`cancelledBy` null), restoring its stock and recording
   * `order.cancelled`, if it is still open (CREATED or PROCESSING). An order already cancelled, in transit or
   * completed is left as it is.
   */
  async compensate(em: EntityManager, orderId: string, reason: CompensationReason): Promise<OrderOutcome> {
    const order = await this.lock(em, orderId);
    if (!order) return { applied: false, orderId, why: 'UNKNOWN_ORDER' };
    const from = order.status;
    if (from === 'CANCELLED') return { applied: false, orderId, status: from, why: 'CANCELLED' };
    if (!canTransition(from, 'CANCELLED')) return { applied: false, orderId, status: from, why: 'NOT_CANCELLABLE' };
    await cancelLockedOrder(em, order, { reason, cancelledBy: null }, this.outbox);
    return { applied: true, orderId, from, to: 'CANCELLED' };
  }

  private lock(em: EntityManager, orderId: string): Promise<Order | null> {
    return em.findOne(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }
}
