/**
 * Tokens this process has already verified, until they expire. A JWT's signature and claims verify the same way
 * every time until its `exp`, and the gateway sends one passport per viewer and subgraph for 15 s: verifying it
 * again for each request cost a WebCrypto call (~60 µs of CPU and a hop through libuv's thread pool) per request.
 * Only successful verifications are kept; what a token grants beyond its signature (a revoked session, a changed
 * role) is checked elsewhere, as before. Bounded: past `max` entries the oldest is dropped.
 */
export interface Verified<T> {
  value: T;
  /** Milliseconds since the epoch: the token's `exp`. */
  expiresAtMs: number;
}

export class VerifiedTokens<T> {
  private readonly entries = new Map<string, Verified<T>>();

  constructor(
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value `verify` gave for `key`, while its token has not expired; else what `verify` gives now. */
  async get(key: string, verify: () => Promise<Verified<T>>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      if (this.now() < hit.expiresAtMs) return hit.value;
      this.entries.delete(key);
    }
    const fresh = await verify();
    if (this.now() < fresh.expiresAtMs) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, fresh);
    }
    return fresh.value;
  }

  /** Tokens held (for tests). */
  get size(): number {
    return this.entries.size;
  }
}
