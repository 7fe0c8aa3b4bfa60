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

/** Two hubs to price the trip between, in travel order. */
export type HubPair = readonly [from: HubPoint, to: HubPoint];

/**
 * Prices many links at once: a route prices every link it may use in one go, so that a cache can read them in one
 * round trip and a cold cache can ask its provider about all of them in parallel.
 */
export interface LinkEtas {
  /** The ETAs of `pairs`, in the same order. */
  etas(pairs: readonly HubPair[], options?: EtaOptions): Promise<LinkEta[]>;
}

/** A provider's calls for every pair, all at once. */
export const batchOf = (provider: EtaProvider): LinkEtas => ({
  etas: (pairs, options) => Promise.all(pairs.map(([from, to]) => provider.eta(from, to, options))),
});

/**
 * Why a provider could not answer:
 * - NO_ROUTE: it answered, but knows no road between the two points (Kakao `result_code` ≠ 0);
 * - DAILY_QUOTA_REACHED: our own daily call counter refused the call; the provider was not asked;
 * - QUOTA_EXCEEDED: the provider says its quota is used up (Kakao −10);
 * - REJECTED: it refused the request itself (bad key, no permission, bad parameter): configuration, not luck;
 * - UNAVAILABLE: network error, 5xx, maintenance;
 * - TIMEOUT: no complete answer within the time allowed;
 * - BAD_RESPONSE: an answer that is not what the API documents (not JSON, missing fields, impossible values).
 */
export type EtaFailure =
  'NO_ROUTE' | 'DAILY_QUOTA_REACHED' | 'QUOTA_EXCEEDED' | 'REJECTED' | 'UNAVAILABLE' | 'TIMEOUT' | 'BAD_RESPONSE';

/** A provider's refusal or failure, classified. Callers fall back to the estimate whatever the kind. */
export class EtaProviderError extends Error {
  override name = 'EtaProviderError';
  constructor(
    readonly kind: EtaFailure,
    message: string,
    /** The provider's own status and code, for logs (e.g. HTTP 400 and Kakao code −10). */
    readonly details: { status?: number; code?: number } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /**
   * Whether the failure says the provider is unhealthy, so that it counts toward opening the circuit breaker.
   * "No road between these points" and our own quota refusal say nothing about the provider's health.
   */
  get providerFault(): boolean {
    return this.kind !== 'NO_ROUTE' && this.kind !== 'DAILY_QUOTA_REACHED';
  }
}
