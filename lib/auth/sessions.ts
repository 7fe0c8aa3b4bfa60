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
import { unauthenticated } from '../errors/index.js';

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

  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: { cacheMs: number; maxEntries?: number; now?: () => number } = { cacheMs: 1000 },
  ) {}

  /** Throws UNAUTHENTICATED when the session ended or the user's role or status changed since the token. */
  async assertCurrent(claims: SessionClaims): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const key = `${claims.sessionId}|${claims.userId}|${claims.tokenVersion}`;
    let entry = this.cache.get(key);
    if (!entry || entry.until <= now) {
      entry = { until: now + this.options.cacheMs, failure: await this.lookup(claims) };
      this.remember(key, entry, now);
    }
    if (entry.failure) throw unauthenticated(entry.failure);
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
