/**
 * Kakao behind a circuit breaker (opossum) and the daily quota (docs/architecture.md §8). When calls keep failing
 * the breaker opens and every call is refused at once, so routes fall back to the estimate without waiting for
 * timeouts; after `resetTimeoutMs` one trial call goes through, and its success closes the breaker again.
 */
import CircuitBreaker from 'opossum';
import { EtaProviderError, type EtaOptions, type EtaProvider, type HubPoint, type LinkEta } from './eta.js';
import type { DailyQuota } from './quota.js';

export interface BreakerOptions {
  /** Milliseconds the breaker stays open before letting one trial call through. @default 15000 */
  resetTimeoutMs?: number;
  /** Failing share of calls, in percent, that opens the breaker. @default 50 */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the share counts (a cold route makes 18 at once). @default 5 */
  volumeThreshold?: number;
  /** Milliseconds of the rolling window the share is measured over. @default 10000 */
  rollingWindowMs?: number;
}

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** Calls refused by an open breaker reject with this kind of error (opossum's `EOPENBREAKER`). */
export const isOpenBreakerError = (err: unknown) => (err as { code?: unknown })?.code === 'EOPENBREAKER';

type Args = [from: HubPoint, to: HubPoint, options: EtaOptions | undefined];

export class CircuitBreakingEtaProvider implements EtaProvider {
  readonly source: EtaProvider['source'];
  private readonly breaker: CircuitBreaker<Args, LinkEta>;

  constructor(
    provider: EtaProvider,
    /** Taken before each call that reaches the provider; none → no daily limit. */
    quota: DailyQuota | null,
    options: BreakerOptions & {
      /** Hears the breaker open and close (logs). */
      onStateChange?: (state: BreakerState) => void;
    } = {},
  ) {
    this.source = provider.source;
    const call = async (from: HubPoint, to: HubPoint, callOptions: EtaOptions | undefined) => {
      // Inside the breaker: an open breaker spends nothing from the budget.
      if (quota && !(await quota.take())) {
        throw new EtaProviderError('DAILY_QUOTA_REACHED', `daily quota of ${quota.limit} calls reached`);
      }
      try {
        return await provider.eta(from, to, callOptions);
      } catch (err) {
        if (quota && err instanceof EtaProviderError && err.kind === 'QUOTA_EXCEEDED') await quota.exhaust();
        throw err;
      }
    };
    this.breaker = new CircuitBreaker(call, {
      name: `eta-${provider.source.toLowerCase()}`,
      // The provider enforces its own timeout and aborts its request; opossum's would leave the request running.
      timeout: false,
      resetTimeout: options.resetTimeoutMs ?? 15_000,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 5,
      rollingCountTimeout: options.rollingWindowMs ?? 10_000,
      // Failures that say nothing about the provider's health do not count: no road between the points, our own
      // quota, and callers that gave up.
      errorFilter: (err: unknown) => !(err instanceof EtaProviderError) || !err.providerFault,
    });
    const notify = options.onStateChange;
    if (notify) {
      this.breaker.on('open', () => notify('OPEN'));
      this.breaker.on('halfOpen', () => notify('HALF_OPEN'));
      this.breaker.on('close', () => notify('CLOSED'));
    }
  }

  get state(): BreakerState {
    return this.breaker.opened ? 'OPEN' : this.breaker.halfOpen ? 'HALF_OPEN' : 'CLOSED';
  }

  eta(from: HubPoint, to: HubPoint, options?: EtaOptions): Promise<LinkEta> {
    return this.breaker.fire(from, to, options);
  }

  /** Stops the breaker's timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }
}
