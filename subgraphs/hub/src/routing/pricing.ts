/**
 * Puts the ETA pieces together from configuration (docs/architecture.md §8):
 * - no Kakao key: the offline estimate alone (instant and deterministic, so nothing to cache);
 * - a key: the cache in front of Kakao, which sits behind the circuit breaker and the daily quota, with the
 *   estimate as fallback.
 */
import type { Config } from '../../../../lib/config/index.js';
import type { KeyValueStore } from '../../../../lib/infra/kv.js';
import type { Logger } from '../../../../lib/logger/index.js';
import { CircuitBreakingEtaProvider, isOpenBreakerError, type BreakerOptions } from './breaker.js';
import { EstimateEtaProvider } from './estimate.js';
import { batchOf, EtaProviderError, type EtaSource, type LinkEtas } from './eta.js';
import { EtaCache, type EtaCacheOptions } from './eta-cache.js';
import { KakaoEtaProvider } from './kakao.js';
import { DailyQuota } from './quota.js';

export interface EtaPricing {
  /** Prices links for routes. */
  readonly links: LinkEtas;
  /** Who is asked first: KAKAO (with the estimate as fallback) or ESTIMATE alone. */
  readonly source: EtaSource;
  /** Present with Kakao: the pieces, for tests and benchmarks. */
  readonly kakao?: { cache: EtaCache; breaker: CircuitBreakingEtaProvider; quota: DailyQuota };
  /** Waits for background refreshes and stops the breaker's timers. */
  close(): Promise<void>;
}

/** Fine-tuning beyond configuration, for tests (short breaker and fallback times) and benchmarks. */
export interface EtaPricingOverrides {
  breaker?: BreakerOptions;
  cache?: Partial<EtaCacheOptions>;
}

export function createEtaPricing(
  eta: Config['eta'],
  kv: KeyValueStore,
  logger?: Logger,
  overrides: EtaPricingOverrides = {},
): EtaPricing {
  const estimate = new EstimateEtaProvider();
  if (!eta.kakao) return { links: batchOf(estimate), source: 'ESTIMATE', close: async () => undefined };

  const { apiKey, baseUrl, timeoutMs, dailyQuota } = eta.kakao;
  const quota = new DailyQuota(kv, dailyQuota);
  const breaker = new CircuitBreakingEtaProvider(new KakaoEtaProvider({ apiKey, baseUrl, timeoutMs }), quota, {
    ...overrides.breaker,
    onStateChange: (state) =>
      state === 'OPEN'
        ? logger?.warn('Kakao ETA circuit breaker open: routes use the estimate until a trial call succeeds')
        : logger?.info({ state }, 'Kakao ETA circuit breaker'),
  });
  let quotaReachedOn: string | null = null;
  const cache = new EtaCache(kv, breaker, estimate, {
    ttlSeconds: eta.cacheTtlSeconds,
    // Wait for another replica's call a little longer than the call may take.
    waitMs: timeoutMs + 500,
    lockSeconds: Math.ceil(timeoutMs / 1000) + 5,
    onError: (err, what) => {
      // Kakao's failures are worth a line, not a stack. Refusals by the open breaker or the spent quota repeat for
      // every link each minute: the breaker's opening is logged once (above), the quota once a day.
      if (isOpenBreakerError(err)) logger?.debug({ what }, 'Kakao ETA skipped: circuit breaker open');
      else if (err instanceof EtaProviderError && err.kind === 'DAILY_QUOTA_REACHED') {
        if (quotaReachedOn === quota.key()) logger?.debug({ what }, err.message);
        else logger?.warn({ day: (quotaReachedOn = quota.key()) }, `${err.message}: routes use the estimate`);
      } else if (err instanceof EtaProviderError) logger?.warn({ what, kind: err.kind, ...err.details }, err.message);
      else logger?.error({ err, what }, 'ETA cache failure');
    },
    ...overrides.cache,
  });
  return {
    links: cache,
    source: 'KAKAO',
    kakao: { cache, breaker, quota },
    async close() {
      await cache.close();
      breaker.shutdown();
    },
  };
}
