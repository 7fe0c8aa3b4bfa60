/**
 * Who may do what with orders (docs/domain.md §5):
 * - create: MASTER; a FIRM_MANAGER for its own firm as the receiver (to its door, or to a locker for it). That the
 *   firm is a RECEIVER is checked by the service, which can read firms.
 * - read (`order`, `orders`): MASTER everything; a HUB_MANAGER the orders whose supplier or receiver hub is its
 *   hub; a FIRM_MANAGER the orders whose supplier or receiver firm is its firm. A DELIVERY_MANAGER reads the orders
 *   of its legs through the delivery subgraph (`Order` references it resolves are not scoped here: the gateway
 *   only follows references another subgraph already allowed), not through these fields; a MEMBER has no orders.
 *   Both are refused with FORBIDDEN rather than shown an empty list, so a client learns the rule, not a guess.
 * - cancel: MASTER; the HUB_MANAGER of the order's receiver hub; the FIRM_MANAGER who created the order.
 */
import { forbidden } from '../../../../lib/errors/index.js';
import { requireViewer, type AuthenticatedViewer, type Viewer } from '../../../../lib/auth/viewer.js';

/** The fields of an order that its access rules look at. */
export interface OrderParties {
  supplierFirmId: string;
  supplierHubId: string;
  /** The firm the goods are for; null for an order a MASTER sent to a locker. */
  receiverFirmId?: string | null;
  receiverHubId: string;
  createdBy: string;
}

/** Which orders a viewer may read. */
export type OrderScope = { kind: 'ALL' } | { kind: 'HUB'; hubId: string } | { kind: 'FIRM'; firmId: string };

/** The viewer's read scope; FORBIDDEN for roles that read no orders here, UNAUTHENTICATED for anonymous callers. */
export function readScope(viewer: Viewer): OrderScope {
  const user = requireViewer(viewer);
  if (user.role === 'MASTER') return { kind: 'ALL' };
  if (user.role === 'HUB_MANAGER' && user.hubId) return { kind: 'HUB', hubId: user.hubId };
  if (user.role === 'FIRM_MANAGER' && user.firmId) return { kind: 'FIRM', firmId: user.firmId };
  throw forbidden('Orders are read by MASTER, hub managers (their hub) and firm managers (their firm)');
}

export function inScope(scope: OrderScope, order: OrderParties): boolean {
  switch (scope.kind) {
    case 'ALL':
      return true;
    case 'HUB':
      return order.supplierHubId === scope.hubId || order.receiverHubId === scope.hubId;
    case 'FIRM':
      return order.supplierFirmId === scope.firmId || order.receiverFirmId === scope.firmId;
  }
}

/**
 * Checks that the viewer may place an order for `receiverFirmId` (null: a locker destination) and returns the
 * firm the order is for: the given one, or for a FIRM_MANAGER sending to a locker, its own.
 */
export function assertMayCreate(
  viewer: Viewer,
  receiverFirmId: string | null,
): { user: AuthenticatedViewer; forFirmId: string | null } {
  const user = requireViewer(viewer);
  if (user.role === 'MASTER') return { user, forFirmId: receiverFirmId };
  if (user.role !== 'FIRM_MANAGER' || !user.firmId) {
    throw forbidden('Orders are placed by MASTER or by the firm manager of the receiving firm');
  }
  if (receiverFirmId !== null && receiverFirmId !== user.firmId) {
    throw forbidden('A firm manager orders only for its own firm');
  }
  return { user, forFirmId: user.firmId };
}

/** Throws FORBIDDEN unless the viewer may cancel this (readable) order. */
export function assertMayCancel(viewer: Viewer, order: OrderParties): AuthenticatedViewer {
  const user = requireViewer(viewer);
  const allowed =
    user.role === 'MASTER' ||
    (user.role === 'HUB_MANAGER' && user.hubId === order.receiverHubId) ||
    (user.role === 'FIRM_MANAGER' && user.userId === order.createdBy);
  if (!allowed) {
    throw forbidden(
      'An order is cancelled by MASTER, the hub manager of its receiver hub or the firm manager who created it',
    );
  }
  return user;
}
