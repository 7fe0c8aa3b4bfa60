/**
 * The delivery's legs and their state machines (docs/domain.md §4 "Delivery and its legs"). A route
 * `[H0, H1, …, Hn]` becomes n hub legs `(Hi → Hi+1)` with sequence i+1, then one last-mile leg from Hn to the
 * receiver firm or locker with sequence n+1. Every status has one spelling, here; the entities, the SDL enum and the
 * events use these values.
 */
import { DomainError, ErrorCode } from '../../../../lib/errors/index.js';

export const DELIVERY_STATUSES = [
  'WAITING_FOR_HUB',
  'MOVING_TO_HUB',
  'ARRIVED_DESTINATION_HUB',
  'MOVING_TO_FIRM',
  'FIRM_DELIVERY_IN_PROGRESS',
  'DELIVERY_COMPLETED',
  'DELIVERY_CANCELLED',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** `HUB`: hub to hub; `LAST_MILE`: from the last hub to the receiver firm or locker. */
export const LEG_KINDS = ['HUB', 'LAST_MILE'] as const;
export type LegKind = (typeof LEG_KINDS)[number];

export const DESTINATION_KINDS = ['FIRM', 'LOCKER'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/**
 * Each leg kind has its own machine: a hub leg never goes beyond ARRIVED_DESTINATION_HUB, a last-mile leg never
 * takes a hub-leg status. Cancellation is accepted from every unfinished status (a cancel that raced a leg start is
 * still applied).
 */
const TRANSITIONS: Record<LegKind, Partial<Record<DeliveryStatus, readonly DeliveryStatus[]>>> = {
  HUB: {
    WAITING_FOR_HUB: ['MOVING_TO_HUB', 'DELIVERY_CANCELLED'],
    MOVING_TO_HUB: ['ARRIVED_DESTINATION_HUB', 'DELIVERY_CANCELLED'],
    ARRIVED_DESTINATION_HUB: [],
    DELIVERY_CANCELLED: [],
  },
  LAST_MILE: {
    MOVING_TO_FIRM: ['FIRM_DELIVERY_IN_PROGRESS', 'DELIVERY_CANCELLED'],
    FIRM_DELIVERY_IN_PROGRESS: ['DELIVERY_COMPLETED', 'DELIVERY_CANCELLED'],
    DELIVERY_COMPLETED: [],
    DELIVERY_CANCELLED: [],
  },
};

/** The status a leg is created in. */
export const INITIAL_STATUS: Record<LegKind, DeliveryStatus> = {
  HUB: 'WAITING_FOR_HUB',
  LAST_MILE: 'MOVING_TO_FIRM',
};

/** The status that finishes a leg (and releases its manager). */
export const FINISHED_STATUS: Record<LegKind, DeliveryStatus> = {
  HUB: 'ARRIVED_DESTINATION_HUB',
  LAST_MILE: 'DELIVERY_COMPLETED',
};

/** What the domain needs to know of a leg. */
export interface LegState {
  sequence: number;
  kind: LegKind;
  status: DeliveryStatus;
}

/** The statuses the machine of `kind` allows after `status` (none for a status of the other kind). */
export function nextStatuses(kind: LegKind, status: DeliveryStatus): readonly DeliveryStatus[] {
  return TRANSITIONS[kind][status] ?? [];
}

/** The statuses of a leg still under way (waiting, moving or delivering): the ones a move can leave. */
export const OPEN_STATUSES: readonly DeliveryStatus[] = DELIVERY_STATUSES.filter((s) =>
  LEG_KINDS.some((kind) => nextStatuses(kind, s).length > 0),
);

export const isFinished = (leg: LegState) => leg.status === FINISHED_STATUS[leg.kind];
/** Finished or cancelled: nothing more happens to the leg. */
export const isClosed = (leg: LegState) => isFinished(leg) || leg.status === 'DELIVERY_CANCELLED';

/** Whether moving `leg` to `to` is the delivery's departure: its first leg leaves (`delivery.started`). */
export function isDeparture(leg: LegState, to: DeliveryStatus): boolean {
  return leg.sequence === 1 && to === (leg.kind === 'HUB' ? 'MOVING_TO_HUB' : 'FIRM_DELIVERY_IN_PROGRESS');
}

const bySequence = (legs: readonly LegState[]) => [...legs].sort((a, b) => a.sequence - b.sequence);

/**
 * Where the assigned manager (or a MASTER) may move `leg` now, and why not when nowhere:
 * - the machine's next statuses, without DELIVERY_CANCELLED (a delivery is cancelled as a whole, by
 *   `cancelDelivery` or the order's cancellation, never leg by leg);
 * - in route order: hub leg i+1 leaves only after hub leg i arrived; the last mile starts only when every hub leg
 *   has arrived (at once for a same-hub order);
 * - a last mile to a locker completes when the locker reports the deposit (`reservation.deposited`), not by hand.
 */
export function advanceTargets(
  legs: readonly LegState[],
  leg: LegState,
  destination: DestinationKind,
): { allowed: DeliveryStatus[]; reason?: string } {
  const machine = nextStatuses(leg.kind, leg.status).filter((s) => s !== 'DELIVERY_CANCELLED');
  if (machine.length === 0) {
    return { allowed: [], reason: isClosed(leg) ? `it is ${leg.status}, which is final` : 'no move exists' };
  }
  const hubLegs = bySequence(legs).filter((l) => l.kind === 'HUB');
  if (leg.kind === 'HUB' && leg.status === INITIAL_STATUS.HUB) {
    const previous = hubLegs.find((l) => l.sequence === leg.sequence - 1);
    if (previous && !isFinished(previous)) {
      return { allowed: [], reason: `leg ${previous.sequence} has not arrived yet (${previous.status})` };
    }
  }
  if (leg.kind === 'LAST_MILE' && leg.status === INITIAL_STATUS.LAST_MILE) {
    const pending = hubLegs.find((l) => !isFinished(l));
    if (pending) return { allowed: [], reason: `hub leg ${pending.sequence} has not arrived yet (${pending.status})` };
  }
  if (leg.kind === 'LAST_MILE' && destination === 'LOCKER' && leg.status === 'FIRM_DELIVERY_IN_PROGRESS') {
    return { allowed: [], reason: 'a locker delivery completes when the locker reports the deposit' };
  }
  return { allowed: machine };
}

/**
 * Refuses a move the leg may not make now with BAD_USER_INPUT on `field`, naming the allowed moves (also in
 * `extensions.allowed`) or why there are none.
 */
export function assertAdvance(
  legs: readonly LegState[],
  leg: LegState,
  to: DeliveryStatus,
  destination: DestinationKind,
  field = 'to',
): void {
  const { allowed, reason } = advanceTargets(legs, leg, destination);
  if (allowed.includes(to)) return;
  const label = `Leg ${leg.sequence} (${leg.kind}) is ${leg.status}`;
  const message = allowed.length
    ? `${label}: it can move to ${allowed.join(' or ')}, not ${to}`
    : `${label}: it cannot move now, ${reason}`;
  throw new DomainError(ErrorCode.BAD_USER_INPUT, message, { field, allowed });
}

/**
 * The delivery's status, derived from its legs:
 * - DELIVERY_COMPLETED once the last mile is completed; DELIVERY_CANCELLED once any leg was cancelled (cancellation
 *   closes every unfinished leg at once);
 * - otherwise the status of the first unfinished leg, except that a hub leg still waiting at a hub its predecessor
 *   reached reads ARRIVED_DESTINATION_HUB: the goods sit at an intermediate hub. Read over time a delivery thus
 *   runs WAITING_FOR_HUB → MOVING_TO_HUB → ARRIVED_DESTINATION_HUB → … → MOVING_TO_FIRM →
 *   FIRM_DELIVERY_IN_PROGRESS → DELIVERY_COMPLETED.
 */
export function deliveryStatus(legs: readonly LegState[]): DeliveryStatus {
  const ordered = bySequence(legs);
  const last = ordered[ordered.length - 1];
  if (!last) throw new Error('A delivery has at least its last-mile leg');
  if (last.kind === 'LAST_MILE' && last.status === 'DELIVERY_COMPLETED') return 'DELIVERY_COMPLETED';
  if (ordered.some((l) => l.status === 'DELIVERY_CANCELLED')) return 'DELIVERY_CANCELLED';
  const index = ordered.findIndex((l) => !isFinished(l));
  const current = ordered[index] ?? last;
  const previous = ordered[index - 1];
  if (current.kind === 'HUB' && current.status === INITIAL_STATUS.HUB && previous && isFinished(previous)) {
    return 'ARRIVED_DESTINATION_HUB';
  }
  return current.status;
}
