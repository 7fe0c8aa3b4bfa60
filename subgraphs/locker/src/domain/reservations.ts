/**
 * A reservation holds one compartment for one order's parcel or one room's group order (docs/domain.md §4):
 * ACTIVE → DEPOSITED → PICKED_UP, or ACTIVE/DEPOSITED → RELEASED.
 */
export const RESERVATION_STATUSES = ['ACTIVE', 'DEPOSITED', 'PICKED_UP', 'RELEASED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** The statuses in which the reservation holds its compartment. */
export const HOLDING: readonly ReservationStatus[] = ['ACTIVE', 'DEPOSITED'];
export const isHolding = (status: ReservationStatus) => HOLDING.includes(status);

export const RELEASE_REASONS = ['ORDER_CANCELLED', 'ROOM_CLOSED', 'EXPIRED'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

export const REJECT_REASONS = ['NO_FREE_COMPARTMENT', 'UNKNOWN_LOCKER'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** What a reservation is for: exactly one of an order and a room (ids of the order subgraph). */
export type ReservationTarget = { orderId: string; roomId?: undefined } | { roomId: string; orderId?: undefined };

/**
 * Whether a DEPOSITED event applies to a reservation: only to an ACTIVE one, and only if it happened after the
 * reservation was made, so a late duplicate of an earlier parcel's event never completes a newer reservation.
 */
export const depositApplies = (reservation: { status: ReservationStatus; createdAt: Date }, eventTs: number) =>
  reservation.status === 'ACTIVE' && eventTs >= reservation.createdAt.getTime();

/**
 * Which holding reservations a release for `reason` ends: an order's cancellation or an expiry ends it whatever
 * it holds; a room's closing keeps one whose parcel is waiting (it ends at pickup, docs/domain.md §9).
 */
export const releaseApplies = (status: ReservationStatus, reason: ReleaseReason) =>
  status === 'ACTIVE' || (status === 'DEPOSITED' && reason !== 'ROOM_CLOSED');
