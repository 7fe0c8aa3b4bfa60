/** Who may do what with lockers (docs/domain.md §5). */
import type { AuthenticatedViewer } from '../../../../lib/auth/viewer.js';

/**
 * Staff of a locker: MASTER, and the HUB_MANAGER or DELIVERY_MANAGERs of the locker's hub. They may open any of
 * its compartments with their role and see its reservations.
 */
export function isLockerStaff(viewer: AuthenticatedViewer, lockerHubId: string): boolean {
  if (viewer.role === 'MASTER') return true;
  return (viewer.role === 'HUB_MANAGER' || viewer.role === 'DELIVERY_MANAGER') && viewer.hubId === lockerHubId;
}

/** A reservation is visible to the locker's staff and to its recipient; pickup codes to the recipient alone. */
export function canSeeReservation(
  viewer: AuthenticatedViewer,
  reservation: { recipientId?: string | null },
  lockerHubId: string,
): boolean {
  return reservation.recipientId === viewer.userId || isLockerStaff(viewer, lockerHubId);
}
