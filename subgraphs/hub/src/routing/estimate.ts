/**
 * The offline ETA (docs/architecture.md §8): straight-line distance × road factor ÷ average speed. Used when no Kakao key is
 * configured and as the fallback when Kakao fails, so it is deterministic, instant and needs no network.
 */
import { haversineMeters } from '../domain/geo.js';
import type { EtaOptions, EtaProvider, HubPoint, LinkEta } from './eta.js';

/**
 * Road distance over straight-line distance (the "detour index"). Studies of intercity road networks put it
 * around 1.2–1.4. Between the hubs: the Gyeongbu Expressway runs about 416 km for the ~325 km straight line
 * Seoul–Busan (≈ 1.28), while short links through hills and city streets detour more (the ~39 km Seoul–Gyeonggi
 * South link is roughly 50–55 km by road, ≈ 1.35). 1.3 sits between the two.
 */
export const ROAD_FACTOR = 1.3;

/**
 * Average door-to-door speed in km/h. Korean expressways allow 100–110 km/h for cars but hold trucks to 80–90
 * km/h, and the hubs sit in city centres (city halls, stations: docs/domain.md §8), so each leg starts and ends in
 * urban traffic. 70 km/h blends expressway cruising with that access; it errs slow, the safe side for an ETA.
 */
export const AVERAGE_SPEED_KMH = 70;

const METRES_PER_SECOND = (AVERAGE_SPEED_KMH * 1000) / 3600;

/** The estimate for one link, in whole metres and seconds; zero for the same point. */
export function estimateLinkEta(from: HubPoint, to: HubPoint): LinkEta {
  const roadMeters = haversineMeters(from, to) * ROAD_FACTOR;
  return {
    durationSeconds: Math.round(roadMeters / METRES_PER_SECOND),
    distanceMeters: Math.round(roadMeters),
    source: 'ESTIMATE',
  };
}

/** The estimate behind the EtaProvider interface (the default provider when Kakao is not configured). */
export class EstimateEtaProvider implements EtaProvider {
  readonly source = 'ESTIMATE' as const;

  async eta(from: HubPoint, to: HubPoint, options?: EtaOptions): Promise<LinkEta> {
    // Honour the contract even though the work is instant: an aborted call never answers.
    options?.signal?.throwIfAborted();
    return estimateLinkEta(from, to);
  }
}
