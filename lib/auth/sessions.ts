/**
 * Sessions that end when they should (docs/adr/0003-sessions-and-limits.md). An access token is a JWT the
 * gateway verifies without asking anyone, so on its own it would outlive a sign-out or a role change by up to
 * its lifetime. Two small records in the key-value store close that gap:
 * - `sess:<sessionId>` exists while the sign-in session (its refresh-token family) is alive; sign-out and
 *   refresh-token reuse delete it;
 * - `uver:<userId>` holds the user's token version, raised whenever the user's role or status changes; an
 *   access token carries the version it was issued under.
 * The user subgraph writes them; the gateway reads both in one round trip per request and caches the answer for
 * a second, so a revocation takes effect within `cacheMs` everywhere.
 */
import type { KeyValueStore } from '../infra/kv.js';
import { DomainError, ErrorCode, unauthenticated } from '../errors/index.js';

export const sessionKey = (sessionId: string) => `sess:${sessionId}`;
export const userVersionKey = (userId: string) => `uver:${userId}`;

/** The user subgraph's side: starts, keeps alive and ends sessions; publishes token versions. */
export class SessionRegistry {
  constructor(
    private readonly kv: KeyValueStore,
    /** A session lives as long as its refresh tokens. */
    private readonly ttlSeconds: number,
  ) {}

  async start(sessionId: string, userId: string): Promise<void> {
    await this.kv.set(sessionKey(sessionId), userId, { ttlSeconds: this.ttlSeconds });
  }

  /** Keeps a session alive while it is used (each refresh). */
  async touch(sessionId: string, userId: string): Promise<void> {
    await this.start(sessionId, userId);
  }

  async isAlive(sessionId: string): Promise<boolean> {
    return (await this.kv.get(sessionKey(sessionId))) !== null;
  }

  async end(sessionId: string): Promise<void> {
    await this.kv.del(sessionKey(sessionId));
  }

  /**
   * Publishes the user's current token version (the `tokenVersion` column, raised in the same transaction as
   * the role or status change): tokens issued under an older version stop working.
   */
  async publishVersion(userId: string, version: number): Promise<void> {
    await this.kv.set(userVersionKey(userId), String(version));
  }
}

export interface SessionClaims {
  userId: string;
  sessionId: string | null;
  tokenVersion: number;
}

/**
 * The gateway's side: is this access token's session alive and its version current? Answers are cached per
 * (session, user, version) for `cacheMs`; the cache is bounded and swept as it fills.
 */
export class SessionCheck {
  private readonly cache = new Map<string, { until: number; failure: string | null }>();
  private storeDownUntil = 0;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: {
      cacheMs: number;
      maxEntries?: number;
      now?: () => number;
      /** Told whether each check was answered from the cache (hit) or asked the store (miss): metrics. */
      onCheck?: (result: 'hit' | 'miss') => void;
      /**
       * While the store cannot answer (Redis down, or slower than `storeTimeoutMs`), a session this check found alive
       * at most this long ago is still accepted; any other token is refused with SERVICE_UNAVAILABLE (closed). 0: refuse
       * all. See docs/architecture.md "Failure modes". @default 60000
       */
      staleIfErrorMs?: number;
      /** How long the store may take before it counts as down (node-redis queues commands while it reconnects). @default 500 */
      storeTimeoutMs?: number;
    } = { cacheMs: 1000 },
  ) {}

  /** Throws UNAUTHENTICATED when the session ended or the user's role or status changed since the token. */
  async assertCurrent(claims: SessionClaims): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const key = `${claims.sessionId}|${claims.userId}|${claims.tokenVersion}`;
    let entry = this.cache.get(key);
    if (!entry || entry.until <= now) {
      this.options.onCheck?.('miss');
      let failure: string | null;
      try {
        if (now < this.storeDownUntil) throw new Error('the session store failed a moment ago');
        failure = await this.boundedLookup(claims);
      } catch (err) {
        // Not asked again for a second: an outage must not cost every request the store timeout.
        if (now >= this.storeDownUntil) this.storeDownUntil = now + 1000;
        // The store cannot answer. A session known alive a moment ago goes on (nothing can revoke it while the store
        // is down: sign-out and role changes write there first), so reads keep working; what needs the store itself
        // (sign-in, refresh) fails where it is used. A token not seen lately is refused (closed).
        const checkedAt = entry ? entry.until - this.options.cacheMs : -Infinity;
        if (entry?.failure === null && now - checkedAt <= (this.options.staleIfErrorMs ?? 60_000)) return;
        throw new DomainError(
          ErrorCode.SERVICE_UNAVAILABLE,
          'Sessions cannot be checked right now; try again shortly',
          { retryAfterSeconds: 1 },
          { cause: err },
        );
      }
      entry = { until: now + this.options.cacheMs, failure };
      this.remember(key, entry, now);
    } else this.options.onCheck?.('hit');
    if (entry.failure) throw unauthenticated(entry.failure);
  }

  /** lookup, or a rejection once the store has taken `storeTimeoutMs`. */
  private async boundedLookup(claims: SessionClaims): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.options.storeTimeoutMs ?? 500;
    try {
      return await Promise.race([
        this.lookup(claims),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`session store gave no answer in ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup({ userId, sessionId, tokenVersion }: SessionClaims): Promise<string | null> {
    if (!sessionId) return 'Access token has no session; sign in again';
    const [session, version] = await this.kv.getMany([sessionKey(sessionId), userVersionKey(userId)]);
    if (session === null) return 'Session ended (signed out or revoked); sign in again';
    if (Number(version ?? 0) > tokenVersion) return 'Access token outdated (role or status changed); refresh it';
    return null;
  }

  private remember(key: string, entry: { until: number; failure: string | null }, now: number): void {
    if (this.cache.size >= (this.options.maxEntries ?? 50_000)) {
      for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
      if (this.cache.size >= (this.options.maxEntries ?? 50_000)) this.cache.clear();
    }
    this.cache.set(key, entry);
  }
}
