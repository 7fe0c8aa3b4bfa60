/**
 * From a planned route to the legs of its delivery (docs/domain.md §4): one HUB leg per hop, in path order, then
 * one LAST_MILE leg from the last hub. A same-hub order (one hub, no hops) gets the last mile alone; the system this
 * replaces refused those orders.
 */
import { INITIAL_STATUS, type DeliveryStatus, type LegKind } from './legs.js';

export interface RouteHub {
  hubId: string;
  name: string;
  address: string;
}

export interface RouteHop {
  fromHubId: string;
  toHubId: string;
  /** Seconds. */
  durationSeconds: number;
  /** Metres. */
  distanceMeters: number;
  etaSource: string;
}

/** The pool a leg's manager comes from (docs/domain.md §4 "Delivery-manager availability"). */
export interface PoolRef {
  hubId: string;
  kind: 'HUB' | 'FIRM';
}

export interface LegPlan {
  sequence: number;
  kind: LegKind;
  status: DeliveryStatus;
  from: RouteHub;
  /** The next hub; null for the last mile, which ends at the delivery's destination. */
  to: RouteHub | null;
  /** Seconds; null for the last mile (the route has no ETA for it). */
  durationSeconds: number | null;
  /** Metres; null for the last mile. */
  distanceMeters: number | null;
  etaSource: string | null;
  /** HUB legs: the HUB pool of their start hub; the last mile: the FIRM pool of the route's last hub. */
  pool: PoolRef;
}

/** A route that contradicts itself: a bug upstream, so the event is refused (and dead-lettered), never guessed. */
export class InconsistentRouteError extends Error {
  override name = 'InconsistentRouteError';
}

/** The legs of the delivery for `hubs` (path order) joined by `hops` (hops[i] goes hubs[i] → hubs[i+1]). */
export function planLegs(hubs: readonly RouteHub[], hops: readonly RouteHop[]): LegPlan[] {
  if (hubs.length === 0) throw new InconsistentRouteError('A route has at least one hub');
  if (hops.length !== hubs.length - 1) {
    throw new InconsistentRouteError(`A route of ${hubs.length} hubs has ${hubs.length - 1} hops, not ${hops.length}`);
  }
  const legs: LegPlan[] = hops.map((hop, i) => {
    const from = hubs[i]!;
    const to = hubs[i + 1]!;
    if (hop.fromHubId !== from.hubId || hop.toHubId !== to.hubId) {
      throw new InconsistentRouteError(`Hop ${i + 1} goes ${hop.fromHubId} → ${hop.toHubId}, not along the path`);
    }
    return {
      sequence: i + 1,
      kind: 'HUB',
      status: INITIAL_STATUS.HUB,
      from,
      to,
      durationSeconds: hop.durationSeconds,
      distanceMeters: hop.distanceMeters,
      etaSource: hop.etaSource,
      pool: { hubId: from.hubId, kind: 'HUB' },
    };
  });
  const last = hubs[hubs.length - 1]!;
  legs.push({
    sequence: hops.length + 1,
    kind: 'LAST_MILE',
    status: INITIAL_STATUS.LAST_MILE,
    from: last,
    to: null,
    durationSeconds: null,
    distanceMeters: null,
    etaSource: null,
    pool: { hubId: last.hubId, kind: 'FIRM' },
  });
  return legs;
}
