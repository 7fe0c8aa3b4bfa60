/**
 * A small key-value port: what refresh tokens, idempotency keys and caches need. Redis implements it
 * for real deployments; the in-memory store implements the same semantics for the embedded mode.
 */
import { createClient, type RedisClientType } from 'redis';

export interface SetOptions {
  /** Expire the key after this many seconds. */
  ttlSeconds?: number;
  /** Only write when the key does not exist (SET NX). */
  onlyIfAbsent?: boolean;
}

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip (MGET); missing keys are null, in the order asked. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Returns false when `onlyIfAbsent` was set and the key already existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  /**
   * Adds one to the whole number at `key` (a missing key counts as 0) and returns the result, atomically across
   * processes (INCR): counters such as a daily call budget. `ttlSeconds` gives a key without an expiry (such as
   * one this call creates) that expiry; an expiry already set is kept, so later increments do not extend it.
   */
  incr(key: string, options?: { ttlSeconds?: number }): Promise<number>;
  close(): Promise<void>;
}

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly data = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string) {
    const entry = this.data.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return entry;
  }

  async get(key: string) {
    return this.live(key)?.value ?? null;
  }

  async getMany(keys: readonly string[]) {
    return keys.map((k) => this.live(k)?.value ?? null);
  }

  async set(key: string, value: string, options: SetOptions = {}) {
    if (options.onlyIfAbsent && this.live(key)) return false;
    const expiresAt = options.ttlSeconds ? this.now() + options.ttlSeconds * 1000 : Number.POSITIVE_INFINITY;
    this.data.set(key, { value, expiresAt });
    return true;
  }

  async del(...keys: string[]) {
    let n = 0;
    for (const k of keys) if (this.live(k) && this.data.delete(k)) n++;
    return n;
  }

  async incr(key: string, options: { ttlSeconds?: number } = {}) {
    const entry = this.live(key);
    // Redis refuses to increment a value that is not an integer; so does the stand-in.
    if (entry && !/^-?\d{1,15}$/.test(entry.value)) throw new Error(`Value at ${key} is not an integer`);
    const value = (entry ? Number(entry.value) : 0) + 1;
    const keep = entry && entry.expiresAt !== Number.POSITIVE_INFINITY;
    const expiresAt = keep
      ? entry.expiresAt
      : options.ttlSeconds
        ? this.now() + options.ttlSeconds * 1000
        : Number.POSITIVE_INFINITY;
    this.data.set(key, { value: String(value), expiresAt });
    return value;
  }

  async close() {
    this.data.clear();
  }
}

export class RedisKeyValueStore implements KeyValueStore {
  constructor(
    /** Shared with what needs Redis itself rather than this port (rate limits: lib/ratelimit). */
    readonly client: RedisClientType,
    /** Every key is namespaced so tests and deployments can share one Redis. */
    private readonly prefix: string,
  ) {}

  /**
   * `onError` hears connection errors; node-redis reconnects by itself after them, but without a listener an
   * 'error' event would crash the process when Redis restarts.
   */
  static async connect(url: string, prefix: string, onError: (err: Error) => void): Promise<RedisKeyValueStore> {
    const client: RedisClientType = createClient({ url });
    client.on('error', onError);
    await client.connect();
    return new RedisKeyValueStore(client, prefix);
  }

  async get(key: string) {
    return this.client.get(this.prefix + key);
  }

  async getMany(keys: readonly string[]) {
    return keys.length ? this.client.mGet(keys.map((k) => this.prefix + k)) : [];
  }

  async set(key: string, value: string, options: SetOptions = {}) {
    const reply = await this.client.set(this.prefix + key, value, {
      ...(options.ttlSeconds ? { expiration: { type: 'EX', value: options.ttlSeconds } } : {}),
      ...(options.onlyIfAbsent ? { condition: 'NX' } : {}),
    });
    return reply === 'OK';
  }

  async del(...keys: string[]) {
    if (keys.length === 0) return 0;
    return this.client.del(keys.map((k) => this.prefix + k));
  }

  async incr(key: string, options: { ttlSeconds?: number } = {}) {
    if (!options.ttlSeconds) return this.client.incr(this.prefix + key);
    // One round trip, atomic: EXPIRE … NX (Redis ≥ 7) sets the expiry only where the key has none, as when INCR
    // has just created it.
    const [value] = await this.client
      .multi()
      .incr(this.prefix + key)
      .expire(this.prefix + key, options.ttlSeconds, 'NX')
      .exec();
    return Number(value);
  }

  async close() {
    if (this.client.isOpen) await this.client.close();
  }
}
