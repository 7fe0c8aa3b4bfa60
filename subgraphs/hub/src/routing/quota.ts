/**
 * A daily call budget shared by every replica (docs/domain.md §11, mistake 12: the original blew Kakao's free
 * quota of 10,000 car-directions calls a day). One counter per day in the key-value store, taken before each call:
 * past the limit the call is not made and the caller falls back to the estimate.
 */
import type { KeyValueStore } from '../../../../lib/infra/kv.js';

/** Kakao's quotas reset with the day in Korea: UTC+9, no daylight saving. */
const KST_OFFSET_MS = 9 * 3600 * 1000;
/** A day's counter outlives its day a little, so a clock skewed between replicas never restarts it at 0. */
const COUNTER_TTL_SECONDS = 2 * 24 * 3600;

export interface DailyQuotaOptions {
  /** Names the budget in its key: `eta:quota:<name>:<yyyy-mm-dd>`. @default 'kakao' */
  name?: string;
  /** @default Date.now */
  now?: () => number;
}

export class DailyQuota {
  private readonly name: string;
  private readonly now: () => number;

  constructor(
    private readonly kv: KeyValueStore,
    /** Calls allowed per day (Asia/Seoul); 0 allows none. */
    readonly limit: number,
    options: DailyQuotaOptions = {},
  ) {
    this.name = options.name ?? 'kakao';
    this.now = options.now ?? Date.now;
  }

  /** The key of today's counter (Asia/Seoul date), from this one function only (mistake 14: key typos). */
  key(): string {
    const day = new Date(this.now() + KST_OFFSET_MS).toISOString().slice(0, 10);
    return `eta:quota:${this.name}:${day}`;
  }

  /**
   * Takes one call from today's budget: true when it may be made. Atomic across replicas (INCR), so N replicas
   * together never make more than `limit` calls a day. A refused take still counts, which only errs on the safe side.
   */
  async take(): Promise<boolean> {
    if (this.limit <= 0) return false;
    return (await this.kv.incr(this.key(), { ttlSeconds: COUNTER_TTL_SECONDS })) <= this.limit;
  }

  /** Calls taken today (refused ones included). */
  async used(): Promise<number> {
    return Number((await this.kv.get(this.key())) ?? 0);
  }

  /** Spends the rest of today's budget: the provider said its quota is gone, whatever our count says. */
  async exhaust(): Promise<void> {
    await this.kv.set(this.key(), String(this.limit), { ttlSeconds: COUNTER_TTL_SECONDS });
  }
}
