/**
 * Rate limits and lockouts, on rate-limiter-flexible: counters in Redis (shared by every replica) or in
 * memory (embedded mode). A policy names a budget of points per window; spending past it answers RATE_LIMITED
 * with `retryAfterSeconds`, which the gateway turns into HTTP 429 and a `Retry-After` header. A policy with
 * `blockSeconds` is a lockout: once exhausted, the key stays refused for that long.
 * Used for sign-in, sign-up and token refresh today; compartment opening and order creation use the same.
 *
 * When the store fails (Redis down), `consume`, `check` and `reset` throw SERVICE_UNAVAILABLE at once (not after
 * node-redis's reconnection): callers guarding authentication let it fail the request (closed); a caller that
 * prefers availability catches it (open) and says why.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import { DomainError, ErrorCode } from '../errors/index.js';

export interface RateLimitPolicy {
  /** Unique among policies; part of every counter's key. */
  name: string;
  /** Points a key may spend per window. */
  points: number;
  /** Window length in seconds. */
  durationSeconds: number;
  /** Once the points are spent, refuse the key for this long (a lockout) instead of until the window ends. */
  blockSeconds?: number;
  /** The message of the RATE_LIMITED error. */
  message?: string;
}

export interface RateLimiter {
  /** Spends `points` of `key` under `policy`; throws RATE_LIMITED when the budget is spent. */
  consume(policy: RateLimitPolicy, key: string, points?: number): Promise<void>;
  /** Throws RATE_LIMITED when `key` has nothing left (or is locked out), without spending anything. */
  check(policy: RateLimitPolicy, key: string): Promise<void>;
  /** Forgets what `key` spent, e.g. the failed sign-ins before a successful one. */
  reset(policy: RateLimitPolicy, key: string): Promise<void>;
}

export type RateLimitStore = { kind: 'memory' } | { kind: 'redis'; client: RedisClientType; prefix: string };

export function rateLimited(retryAfterMs: number, message = 'Too many requests'): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new DomainError(ErrorCode.RATE_LIMITED, `${message}; try again in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
}

/**
 * The store failed (Redis down): SERVICE_UNAVAILABLE, a code the client can act on (retry later), the cause kept for
 * logs. Callers that fail open catch it like any other store failure.
 */
const storeDown = (cause: unknown) =>
  new DomainError(
    ErrorCode.SERVICE_UNAVAILABLE,
    'Rate limits cannot be checked right now; try again shortly',
    { retryAfterSeconds: 1 },
    { cause },
  );

export function createRateLimiter(store: RateLimitStore): RateLimiter {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiter = (policy: RateLimitPolicy) => {
    let l = limiters.get(policy.name);
    if (!l) {
      const options = {
        keyPrefix: `rl:${policy.name}`,
        points: policy.points,
        duration: policy.durationSeconds,
        blockDuration: policy.blockSeconds ?? 0,
      };
      l =
        store.kind === 'redis'
          ? new RateLimiterRedis({
              ...options,
              keyPrefix: `${store.prefix}${options.keyPrefix}`,
              storeClient: store.client,
              useRedisPackage: true,
              // Refused at once while the client reconnects, instead of waiting in node-redis's offline queue.
              rejectIfRedisNotReady: true,
            })
          : new RateLimiterMemory(options);
      limiters.set(policy.name, l);
    }
    return l;
  };
  const refuse = (policy: RateLimitPolicy, err: unknown): never => {
    // The library rejects with a RateLimiterRes when the budget is spent, and with an Error when its store fails.
    if (err instanceof RateLimiterRes) throw rateLimited(err.msBeforeNext, policy.message);
    throw storeDown(err);
  };
  return {
    async consume(policy, key, points = 1) {
      await limiter(policy)
        .consume(key, points)
        .catch((err: unknown) => refuse(policy, err));
    },
    async check(policy, key) {
      const res = await limiter(policy)
        .get(key)
        .catch((err: unknown) => refuse(policy, err));
      if (res && res.consumedPoints > policy.points - 1 && res.remainingPoints <= 0) {
        throw rateLimited(res.msBeforeNext, policy.message);
      }
    },
    async reset(policy, key) {
      await limiter(policy)
        .delete(key)
        .catch((err: unknown) => refuse(policy, err));
    },
  };
}
