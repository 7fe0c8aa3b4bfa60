/**
 * The writes every path that changes an order shares (createOrder, cancelOrder and the event handlers): stock moved
 * by conditional updates, and a cancellation with its stock and its event in the caller's transaction.
 *
 * Stock statements run last in their transaction, after the flush of the order and outbox rows: the product row is
 * the one every order for that product updates, so its row lock is held from that statement to the commit only.
 */
import { raw, type EntityManager } from '@mikro-orm/core';
import { Outbox, type EventRecorder } from '../../../../lib/events/outbox.js';
import type { OrderEvents } from '../domain/events.js';
import { assertTransition, type CancelReason } from '../domain/order-status.js';
import type { Order } from '../entities/order.entity.js';
import { Product } from '../entities/product.entity.js';

/** The order subgraph's outbox: events recorded with the change they announce. */
export const orderOutbox: EventRecorder<OrderEvents> = new Outbox<OrderEvents>('order');

/**
 * Takes `quantity` units of a product if that many are left, in one statement (`stock = stock - q WHERE stock >= q`):
 * no read-then-write window, so concurrent orders can never take more than there is. Returns whether it did.
 */
export async function reserveStock(em: EntityManager, productId: string, quantity: number): Promise<boolean> {
  const taken = await em.nativeUpdate(
    Product,
    { id: productId, stock: { $gte: quantity } },
    { stock: raw('stock - ?', [quantity]), updatedAt: new Date() },
  );
  return taken === 1;
}

/** Gives `quantity` units back to a product (a cancelled order's reservation). */
export async function restoreStock(em: EntityManager, productId: string, quantity: number): Promise<void> {
  await em.nativeUpdate(Product, { id: productId }, { stock: raw('stock + ?', [quantity]), updatedAt: new Date() });
}

/**
 * Cancels `order`, which the caller has locked inside its transaction on `em`: checks the transition (CANCELLED only
 * from CREATED or PROCESSING, so the stock comes back exactly once), records `order.cancelled`, and restores the
 * stock, all in that transaction.
 * @throws DomainError INVALID_ORDER_TRANSITION when the order is in transit, completed or already cancelled.
 */
export async function cancelLockedOrder(
  em: EntityManager,
  order: Order,
  cause: { reason: CancelReason; cancelledBy: string | null },
  outbox: EventRecorder<OrderEvents> = orderOutbox,
): Promise<void> {
  assertTransition(order.status, 'CANCELLED');
  const cancelledAt = new Date();
  em.assign(order, { status: 'CANCELLED', cancelReason: cause.reason, cancelledBy: cause.cancelledBy, cancelledAt });
  outbox.record(em, 'order.cancelled', order.id, {
    orderId: order.id,
    reason: cause.reason,
    cancelledBy: cause.cancelledBy,
    cancelledAt: cancelledAt.toISOString(),
  });
  await em.flush();
  await restoreStock(em, order.productId, order.quantity);
}
