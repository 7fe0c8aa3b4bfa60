/**
 * The ETA seam (docs/architecture.md §8): how long a vehicle takes between two hubs, and how far it drives. Providers are
 * the Kakao Mobility directions API (docs/domain.md §10) and the offline estimate; the ETA cache wraps a provider
 * behind the same interface, so the route service never knows which one answered except through `source`.
 *
 * Units are fixed here once: durations in whole SECONDS, distances in whole METRES. The original system mixed
 * seconds and minutes (docs/domain.md §11); convert only at a UI or prompt boundary.
 */
import type { LatLng } from '../domain/geo.js';

/** Where an ETA came from; the public `EtaSource` enum carries the same names. */
export type EtaSource = 'KAKAO' | 'ESTIMATE';

/** A hub as a provider needs it: its id (cache keys, logs) and its coordinates in WGS84 degrees. */
export interface HubPoint extends LatLng {
  readonly id: string;
}

/** The road trip from one hub to the next. */
export interface LinkEta {
  /** Driving time in whole seconds (Kakao `summary.duration`). */
  readonly durationSeconds: number;
  /** Road distance in whole metres (Kakao `summary.distance`). */
  readonly distanceMeters: number;
  /** Who answered. A caching or falling-back provider may answer from another source than its own. */
  readonly source: EtaSource;
}

export interface EtaOptions {
  /** Aborts the call; the promise then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * Prices the trip from one hub to another. Implementations reject when they cannot answer (network, quota,
 * no route); the caller decides whether to fall back to the estimate.
 */
export interface EtaProvider {
  /** What this provider asks: KAKAO for the directions API (and a cache in front of it), ESTIMATE offline. */
  readonly source: EtaSource;
  eta(from: HubPoint, to: HubPoint, options?: EtaOptions): Promise<LinkEta>;
}
