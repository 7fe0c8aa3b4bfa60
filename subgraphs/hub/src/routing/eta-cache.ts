/**
 * The link ETA cache (docs/architecture.md §8): one entry per link in the key-value store (Redis; in memory when
 * embedded), in front of a provider (Kakao behind its breaker and quota) with the estimate as fallback.
 * - A warm route reads all its links in one round trip (MGET) and calls no provider.
 * - Fresh for the TTL plus random jitter, so entries filled together do not expire together.
 * - Stale-while-revalidate: an entry past its freshness is still served at once, and refreshed in the background.
 * - Singleflight: one provider call per link at a time in this process (callers share its promise), and across
 *   replicas through a short lock (SET NX EX): a replica that finds the lock taken waits for the holder's answer.
 * - When the provider cannot answer, a missing entry is filled with the estimate for a short time, and a stale
 *   entry is kept for that time; either is retried after it, so a recovered provider refills the cache. A provider
 *   that answers "no road between these points" gets the estimate for the whole TTL.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyValueStore } from '../../../../lib/infra/kv.js';
import {
  EtaProviderError,
  type EtaOptions,
  type EtaProvider,
  type EtaSource,
  type HubPair,
  type HubPoint,
  type LinkEta,
  type LinkEtas,
} from './eta.js';

export interface EtaCacheOptions {
  /** Seconds a provider's answer stays fresh, before jitter. */
  ttlSeconds: number;
  /** Share of the TTL added at random: each entry is fresh for [ttl, ttl × (1 + jitter)]. @default 0.2 */
  jitter?: number;
  /** Seconds a fallback answer (or a stale entry whose refresh failed) stays fresh before it is retried. @default 60 */
  fallbackTtlSeconds?: number;
  /** Seconds an entry is still served after its freshness ends, while it is refreshed. @default 86400 */
  staleSeconds?: number;
  /** Seconds one replica holds a link's lock: longer than one provider call. @default 10 */
  lockSeconds?: number;
  /** Milliseconds a caller waits for another replica's call to a link before answering with the fallback. @default 3000 */
  waitMs?: number;
  /** Reports failures that no caller sees: background refreshes, cache writes, lock releases. */
  onError?: (err: unknown, what: string) => void;
  /** Told how many links of each lookup were fresh, stale (served and refreshed) or missing (metrics). */
  onLookup?: (result: 'fresh' | 'stale' | 'miss', links: number) => void;
  /** @default Date.now */
  now?: () => number;
  /** In [0, 1). @default Math.random */
  random?: () => number;
}

/** What the store holds per link (docs/domain.md §3, LinkEta). */
export interface CachedEta extends LinkEta {
  /** Milliseconds since the epoch: when the provider answered. */
  fetchedAt: number;
  /** Milliseconds since the epoch: after this the entry is stale (still served, and refreshed). */
  freshUntil: number;
}

/**
 * Both directions of a link share one entry: hub ids in code-unit order. One function makes every key (docs/domain.md
 * §11, mistake 14: a typo in a cache key once split the cache).
 */
export function etaCacheKey(a: string, b: string): string {
  return a < b ? `eta:link:${a}:${b}` : `eta:link:${b}:${a}`;
}
const lockKeyOf = (key: string) => `${key}:lock`;

const POLL_MS = 25;

function parseEntry(value: string | null): CachedEta | null {
  if (value === null) return null;
  try {
    const e = JSON.parse(value) as Partial<CachedEta>;
    const ok =
      Number.isSafeInteger(e.durationSeconds) &&
      Number.isSafeInteger(e.distanceMeters) &&
      (e.source === 'KAKAO' || e.source === 'ESTIMATE') &&
      typeof e.freshUntil === 'number' &&
      typeof e.fetchedAt === 'number';
    return ok ? (e as CachedEta) : null;
  } catch {
    return null;
  }
}

const toEta = ({ durationSeconds, distanceMeters, source }: LinkEta): LinkEta => ({
  durationSeconds,
  distanceMeters,
  source,
});

export class EtaCache implements EtaProvider, LinkEtas {
  readonly source: EtaSource;
  private readonly options: Required<Omit<EtaCacheOptions, 'onError' | 'onLookup'>> &
    Pick<EtaCacheOptions, 'onError' | 'onLookup'>;
  /** This process's provider calls in flight, by cache key. */
  private readonly flights = new Map<string, Promise<LinkEta>>();
  /** Work no caller waits for (refreshes, lock releases), not yet settled: close() waits for it. */
  private readonly background = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly provider: EtaProvider,
    /** Answers when `provider` cannot (the offline estimate). */
    private readonly fallback: EtaProvider,
    options: EtaCacheOptions,
  ) {
    this.source = provider.source;
    this.options = {
      jitter: 0.2,
      fallbackTtlSeconds: 60,
      staleSeconds: 86_400,
      lockSeconds: 10,
      waitMs: 3000,
      now: Date.now,
      random: Math.random,
      ...options,
    };
  }

  /** Seconds a provider's answer stays fresh: the TTL plus its random share, in [ttl, ttl × (1 + jitter)]. */
  freshSeconds(): number {
    const { ttlSeconds, jitter, random } = this.options;
    return ttlSeconds * (1 + jitter * random());
  }

  async eta(from: HubPoint, to: HubPoint, options?: EtaOptions): Promise<LinkEta> {
    return (await this.etas([[from, to]], options))[0]!;
  }

  async etas(pairs: readonly HubPair[], options: EtaOptions = {}): Promise<LinkEta[]> {
    options.signal?.throwIfAborted();
    if (pairs.length === 0) return [];
    const keys = pairs.map(([from, to]) => etaCacheKey(from.id, to.id));
    const entries = (await this.kv.getMany(keys)).map(parseEntry);
    const now = this.options.now();
    const counts = { fresh: 0, stale: 0, miss: 0 };
    const answers = Promise.all(
      pairs.map(([from, to], i) => {
        const entry = entries[i];
        if (!entry) {
          counts.miss++;
          return this.load(keys[i]!, from, to, null);
        }
        if (entry.freshUntil <= now) {
          counts.stale++;
          this.revalidate(keys[i]!, from, to, entry);
        } else counts.fresh++;
        return toEta(entry);
      }),
    );
    const { onLookup } = this.options;
    if (onLookup)
      for (const result of ['fresh', 'stale', 'miss'] as const) if (counts[result]) onLookup(result, counts[result]);
    return answers;
  }

  /** Waits for the background work under way, and starts no more refreshes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  /** Resolves once no background work is under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  private revalidate(key: string, from: HubPoint, to: HubPoint, stale: CachedEta): void {
    if (this.closed || this.flights.has(key)) return;
    const refresh = this.load(key, from, to, stale)
      .catch((err) => this.options.onError?.(err, `refreshing ${key}`))
      .finally(() => this.background.delete(refresh));
    this.background.add(refresh);
  }

  /** Singleflight: callers in this process asking about one link share one call. */
  private load(key: string, from: HubPoint, to: HubPoint, stale: CachedEta | null): Promise<LinkEta> {
    let flight = this.flights.get(key);
    if (!flight) {
      flight = this.fetch(key, from, to, stale).finally(() => this.flights.delete(key));
      this.flights.set(key, flight);
    }
    return flight;
  }

  private async fetch(key: string, from: HubPoint, to: HubPoint, stale: CachedEta | null): Promise<LinkEta> {
    // Ask in the key's order, so that both directions of a link are priced the same way.
    const [a, b] = from.id < to.id ? [from, to] : [to, from];
    const token = randomUUID();
    const lockKey = lockKeyOf(key);
    const locked = await this.kv.set(lockKey, token, { onlyIfAbsent: true, ttlSeconds: this.options.lockSeconds });
    if (!locked) {
      // Another replica is calling the provider for this link: serve what we have, or wait for its answer.
      if (stale) return toEta(stale);
      return this.awaitOtherReplica(key, a, b);
    }
    try {
      const entry = await this.callProvider(a, b, stale);
      await this.write(key, entry);
      return toEta(entry);
    } finally {
      this.release(lockKey, token);
    }
  }

  /** The provider's answer, fresh for the jittered TTL; or, when it fails, the stale entry or the fallback, briefly. */
  private async callProvider(from: HubPoint, to: HubPoint, stale: CachedEta | null): Promise<CachedEta> {
    const now = this.options.now();
    try {
      const eta = await this.provider.eta(from, to);
      return { ...toEta(eta), fetchedAt: now, freshUntil: now + this.freshSeconds() * 1000 };
    } catch (err) {
      this.options.onError?.(err, `${this.provider.source} ETA ${from.id} → ${to.id}`);
      // "No road between these points" is an answer that will not change soon: asking again every minute would
      // only spend the quota. Anything else may pass, so it is retried after the short TTL.
      const settled = err instanceof EtaProviderError && err.kind === 'NO_ROUTE';
      const until = now + (settled ? this.freshSeconds() : this.options.fallbackTtlSeconds) * 1000;
      // A stale provider answer beats an estimate: keep it until then.
      if (stale && stale.source === this.provider.source && !settled) return { ...stale, freshUntil: until };
      return { ...toEta(await this.fallback.eta(from, to)), fetchedAt: now, freshUntil: until };
    }
  }

  private async write(key: string, entry: CachedEta): Promise<void> {
    const freshFor = (entry.freshUntil - this.options.now()) / 1000;
    const ttlSeconds = Math.max(1, Math.ceil(freshFor + this.options.staleSeconds));
    // A failed write costs a later provider call, not this answer.
    await this.kv.set(key, JSON.stringify(entry), { ttlSeconds }).catch((err) => this.options.onError?.(err, key));
  }

  /** Releases our lock (if it is still ours: it may have expired and been taken by another replica). */
  private release(lockKey: string, token: string): void {
    const release = async () => {
      if ((await this.kv.get(lockKey)) === token) await this.kv.del(lockKey);
    };
    const done = release()
      .catch((err) => this.options.onError?.(err, `releasing ${lockKey}`))
      .finally(() => this.background.delete(done));
    this.background.add(done);
  }

  /** Polls for the entry another replica is fetching; past `waitMs` (that replica died?) answers with the fallback. */
  private async awaitOtherReplica(key: string, from: HubPoint, to: HubPoint): Promise<LinkEta> {
    const deadline = Date.now() + this.options.waitMs;
    while (Date.now() < deadline) {
      await sleep(POLL_MS);
      const entry = parseEntry(await this.kv.get(key));
      if (entry) return toEta(entry);
    }
    return toEta(await this.fallback.eta(from, to));
  }
}
