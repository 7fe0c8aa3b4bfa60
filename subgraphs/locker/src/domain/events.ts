/**
 * The events the locker subgraph produces (docs/events.md §5), as an EventMap. Payload field names are fixed by the
 * catalogue; times are ISO 8601 UTC strings with milliseconds. Reservation events are keyed by the order's or the
 * room's id; `locker.created` by the locker's. Events carry no secrets: never a pickup code or device key.
 */
import type { RejectReason, ReleaseReason } from './reservations.js';

/** Exactly one of the two: what the reservation is for. */
export type ReservationFor = { orderId: string } | { roomId: string };

export interface LockerCreated {
  lockerId: string;
  hubId: string;
  name: string;
  address: string;
  /** Compartments 1…n. */
  compartmentCount: number;
}

export type ReservationCreated = ReservationFor & {
  reservationId: string;
  lockerId: string;
  compartmentId: string;
  compartmentIndex: number;
  expiresAt: string;
};

export type ReservationRejected = ReservationFor & { lockerId: string; reason: RejectReason };

export type ReservationDeposited = ReservationFor & {
  reservationId: string;
  lockerId: string;
  compartmentIndex: number;
  depositedAt: string;
};

export type ReservationPickedUp = ReservationFor & {
  reservationId: string;
  lockerId: string;
  compartmentIndex: number;
  /** The user whose code (or staff role) opened the compartment last; null when the platform did not open it. */
  pickedUpBy: string | null;
  pickedUpAt: string;
};

export type ReservationReleased = ReservationFor & {
  reservationId: string;
  reason: ReleaseReason;
  releasedAt: string;
};

export type LockerEvents = {
  'locker.created': LockerCreated;
  'reservation.created': ReservationCreated;
  'reservation.rejected': ReservationRejected;
  'reservation.deposited': ReservationDeposited;
  'reservation.pickedUp': ReservationPickedUp;
  'reservation.released': ReservationReleased;
};
