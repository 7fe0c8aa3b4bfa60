/**
 * Who may read a delivery (docs/domain.md §5, "read an order and its delivery"): a MASTER; a HUB_MANAGER of its
 * supplier or receiver hub; a FIRM_MANAGER of its receiver firm (or supplier firm, when the route named it); a
 * DELIVERY_MANAGER assigned to one of its legs.
 */
import type { Viewer } from '../../../../lib/auth/viewer.js';

export interface DeliveryAudience {
  supplierHubId: string;
  receiverHubId: string;
  receiverFirmId?: string | null;
  supplierFirmId?: string | null;
}

/** Whether `viewer` may read the delivery; `assignedUserIds` (the users managing its legs) is asked only if needed. */
export async function canReadDelivery(
  viewer: Viewer,
  audience: DeliveryAudience,
  assignedUserIds: () => Promise<readonly string[]>,
): Promise<boolean> {
  if (viewer.kind !== 'user') return false;
  switch (viewer.role) {
    case 'MASTER':
      return true;
    case 'HUB_MANAGER':
      return viewer.hubId !== null && [audience.supplierHubId, audience.receiverHubId].includes(viewer.hubId);
    case 'FIRM_MANAGER':
      return viewer.firmId !== null && [audience.receiverFirmId, audience.supplierFirmId].includes(viewer.firmId);
    case 'DELIVERY_MANAGER':
      return (await assignedUserIds()).includes(viewer.userId);
    default:
      return false;
  }
}
