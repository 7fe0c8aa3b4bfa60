/**
 * The order's state machine (docs/domain.md §4 "Order"):
 *
 *   CREATED ──▶ PROCESSING ──▶ IN_TRANSIT ──▶ COMPLETED
 *      └────────────┴──▶ CANCELLED
 *
 * CREATED is entered by createOrder with the stock reserved. The forward moves are driven by delivery events
 * (delivery.created, delivery.started, delivery.completed), never set by hand. CANCELLED is reached by cancelOrder
 * or by compensation (no route, no compartment, delivery cancelled), only before the goods are in transit.
 * COMPLETED and CANCELLED are final: nothing revives a cancelled order.
 */
import { DomainError, ErrorCode } from '../../../../lib/errors/index.js';

export const ORDER_STATUSES = ['CREATED', 'PROCESSING', 'IN_TRANSIT', 'COMPLETED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Why an order was cancelled: by a person (USER) or by compensation for a failure later in the chain. */
export const CANCEL_REASONS = ['USER', 'NO_ROUTE', 'NO_COMPARTMENT', 'DELIVERY_CANCELLED'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  CREATED: ['PROCESSING', 'CANCELLED'],
  PROCESSING: ['IN_TRANSIT', 'CANCELLED'],
  IN_TRANSIT: ['COMPLETED'],
  COMPLETED: [],
  CANCELLED: [],
};

/** The delivery's progress, in order: the forward path an order follows. */
const FORWARD: readonly OrderStatus[] = ['CREATED', 'PROCESSING', 'IN_TRANSIT', 'COMPLETED'];

/** The statuses `from` may move to (empty for a final status). */
export function allowedTransitions(from: OrderStatus): readonly OrderStatus[] {
  return TRANSITIONS[from];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinal(status: OrderStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/**
 * Throws INVALID_ORDER_TRANSITION unless `from → to` is a listed transition; the error names the allowed ones
 * (`extensions.status`, `to`, `allowed`).
 */
export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (canTransition(from, to)) return;
  const allowed = allowedTransitions(from);
  const hint = to === 'CANCELLED' ? ' (an order can be cancelled only before it is in transit)' : '';
  throw new DomainError(
    ErrorCode.INVALID_ORDER_TRANSITION,
    `An order in ${from} cannot move to ${to}; ${allowed.length ? `allowed: ${allowed.join(', ')}` : `${from} is final`}${hint}`,
    { status: from, to, allowed: [...allowed] },
  );
}

/**
 * What a delivery event that reports progress up to `target` does to an order in `from`:
 * - `{ kind: 'advance', steps }`: the listed transitions, in order, each a valid one. Usually one step; more when an
 *   earlier event was lost to the dead-letter stream (delivery.started reaching a CREATED order implies the
 *   delivery was created), so the order catches up through the same machine instead of sticking;
 * - `{ kind: 'ignore', why }`: nothing to do: a duplicate or late event (the order is already there or beyond),
 *   or an order that is cancelled (never revived) or otherwise off the forward path.
 */
export function progressTo(
  from: OrderStatus,
  target: Exclude<OrderStatus, 'CREATED' | 'CANCELLED'>,
): { kind: 'advance'; steps: OrderStatus[] } | { kind: 'ignore'; why: 'ALREADY_THERE' | 'CANCELLED' } {
  if (from === 'CANCELLED') return { kind: 'ignore', why: 'CANCELLED' };
  const at = FORWARD.indexOf(from);
  const to = FORWARD.indexOf(target);
  if (at >= to) return { kind: 'ignore', why: 'ALREADY_THERE' };
  return { kind: 'advance', steps: FORWARD.slice(at + 1, to + 1) };
}
