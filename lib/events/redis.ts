/**
 * The Redis Streams transport (docs/events.md §4), under the same contract as memory.ts.
 *
 * Layout, under the key prefix (REDIS_PREFIX):
 * - `events:<p>` for p in 0…partitions−1: one log shared by every producer, each event in the partition of its key,
 *   so events with one key stay in publish order whoever produced them, and a consumer needs to know event types
 *   only, never who produces them. XADD … MAXLEN ~ `maxLen` bounds each partition.
 * - a consumer group per consuming subgraph on every partition, created at id 0 (MKSTREAM): a group created after
 *   events were published still gets every event the stream retains.
 * - `events:lease:<group>:<p>`: which consumer of the group works partition p (SET NX PX, renewed every
 *   leaseMs/3). One consumer per partition and group keeps per-key order with several replicas; consumers split
 *   the partitions evenly (`events:members:<group>` counts the live ones).
 * - `events:dead:<group>`: the group's dead letters, with the error and the number of attempts.
 *
 * A consumer reads its partitions with XREADGROUP BLOCK on a connection of its own, handles each partition's
 * messages one at a time, retries a failure in place with back-off (re-claiming it to itself, so Redis counts
 * the attempt), and XACKs after the handler resolved. A partition whose lease it takes over (its holder stopped
 * or died: the lease expired) first gets the previous holder's pending messages claimed (XPENDING + XCLAIM) and
 * handled, oldest first; a message delivered more than maxAttempts times is parked.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from '../logger/index.js';
import { parseEnvelope, partitionOf, type EventEnvelope } from './envelope.js';
import {
  CONSUME_DEFAULTS,
  RejectedEventError,
  abandonable,
  errorText,
  pause,
  retryDelay,
  type ConsumeOptions,
  type DeadLetter,
  type DeliveryHandler,
  type EventTransport,
} from './transport.js';

export interface RedisEventTransportOptions {
  /** Prefix of every key (REDIS_PREFIX). */
  prefix: string;
  /**
   * Partition streams events are spread over by key; the most consumers of one group that can work at once.
   * Every process of a deployment must agree on it. @default 4
   */
  partitions?: number;
  /**
   * Entries kept per partition stream (XADD MAXLEN ~): what a group that is down or behind can still catch up on.
   * At ~1 KB per event, the default is ~100 MB per partition at most. @default 100000
   */
  maxLen?: number;
  /** Dead letters kept per group. @default 10000 */
  deadLetterMaxLen?: number;
  /**
   * How long a partition stays with a consumer that stopped renewing its lease (crashed), in ms: the time before
   * another consumer takes over and reclaims its pending messages. @default 10000
   */
  leaseMs?: number;
  /** XREADGROUP BLOCK, in ms: how late a consumer notices partitions it gained. @default 1000 */
  blockMs?: number;
  /** Messages read per partition per XREADGROUP. @default 100 */
  batchSize?: number;
  /** Hears errors of the Redis connections (node-redis reconnects by itself); required, as in kv.ts. */
  onError: (err: Error) => void;
  /** Where a consumer reports failures of its own loop (Redis down, a lost lease). */
  logger?: Logger;
}

type Settings = Required<Omit<RedisEventTransportOptions, 'logger'>> & { logger?: Logger };

/** Renews a lease only if this consumer still holds it. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Gives a lease back only if this consumer still holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/**
 * Marks this consumer alive until now + ARGV[2] (server time, so clocks of the hosts do not matter), forgets
 * members that stopped marking, and returns how many are alive.
 */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZCARD', KEYS[1])`;

export class RedisEventTransport implements EventTransport {
  readonly settings: Settings;
  private readonly consumers = new Set<RedisConsumer>();

  constructor(
    /** The command connection; each consumer adds one of its own for blocking reads. */
    readonly client: RedisClientType,
    options: RedisEventTransportOptions,
  ) {
    this.settings = {
      partitions: 4,
      maxLen: 100_000,
      deadLetterMaxLen: 10_000,
      leaseMs: 10_000,
      blockMs: 1000,
      batchSize: 100,
      ...options,
    };
  }

  static async connect(url: string, options: RedisEventTransportOptions): Promise<RedisEventTransport> {
    const client: RedisClientType = createClient({ url });
    client.on('error', options.onError);
    await client.connect();
    return new RedisEventTransport(client, options);
  }

  streamKey(p: number): string {
    return `${this.settings.prefix}events:${p}`;
  }

  partitionOfStream(key: string): number | undefined {
    const base = `${this.settings.prefix}events:`;
    const p = key.startsWith(base) ? Number(key.slice(base.length)) : NaN;
    return Number.isInteger(p) ? p : undefined;
  }

  deadKey(group: string): string {
    return `${this.settings.prefix}events:dead:${group}`;
  }

  leaseKey(group: string, p: number): string {
    return `${this.settings.prefix}events:lease:${group}:${p}`;
  }

  membersKey(group: string): string {
    return `${this.settings.prefix}events:members:${group}`;
  }

  async publish(...events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    // MULTI: all or none, in order. A pipeline could lose one XADD to a dropped connection while a later one is
    // replayed after the reconnect, putting two events of one key out of order.
    const multi = this.client.multi();
    for (const event of events) {
      multi.xAdd(
        this.streamKey(partitionOf(String(event.key), this.settings.partitions)),
        '*',
        { e: JSON.stringify(event) },
        { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.settings.maxLen } },
      );
    }
    await multi.exec();
  }

  async consume(group: string, handler: DeliveryHandler, options: ConsumeOptions = {}) {
    const consumer = new RedisConsumer(this, group, handler, { ...CONSUME_DEFAULTS, ...options });
    await consumer.start();
    this.consumers.add(consumer);
    return async () => {
      this.consumers.delete(consumer);
      await consumer.stop();
    };
  }

  async deadLetters(group: string, limit = 100): Promise<DeadLetter[]> {
    const entries = await this.client.xRange(this.deadKey(group), '-', '+', { COUNT: limit });
    return (entries ?? []).map(({ message: m }) => {
      let event: EventEnvelope | null = null;
      try {
        event = parseEnvelope(m.raw ?? '');
      } catch {
        // Parked because it was no envelope: `raw` says what it was.
      }
      return {
        event,
        raw: m.raw ?? '',
        group: m.group ?? group,
        error: m.error ?? '',
        attempts: Number(m.attempts ?? 0),
        deadAt: m.deadAt ?? '',
      };
    });
  }

  async replayDeadLetters(group: string): Promise<number> {
    let replayed = 0;
    for (;;) {
      const entries = await this.client.xRange(this.deadKey(group), '-', '+', { COUNT: 100 });
      const replayable = (entries ?? []).flatMap(({ id, message }) => {
        try {
          return [{ id, event: parseEnvelope(message.raw ?? '') }];
        } catch {
          return [];
        }
      });
      if (replayable.length === 0) return replayed;
      await this.publish(...replayable.map((r) => r.event));
      await this.client.xDel(
        this.deadKey(group),
        replayable.map((r) => r.id),
      );
      replayed += replayable.length;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    if (this.client.isOpen) await this.client.close();
  }
}

interface Partition {
  /** claim: take over pending messages first; history: read this consumer's pending ones (id 0); live: new ones. */
  mode: 'claim' | 'history' | 'live';
  /** Delivery counts of the messages claimed at take-over, by id, read when each is handled. */
  counts: Map<string, number>;
}

interface Message {
  id: string;
  message: Record<string, string> | null;
}

class RedisConsumer {
  readonly name = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly s: Settings;
  private readonly client: RedisClientType;
  private reader?: RedisClientType;
  /** The partitions whose lease this consumer holds. */
  private readonly held = new Map<number, Partition>();
  private stopping = false;
  private stopped?: Promise<void>;
  /** Aborted when stop() begins: idle waits and back-offs end. */
  private readonly halt = new AbortController();
  /** Aborted when stop() stops waiting: a handler still running is abandoned, unacknowledged. */
  private readonly killed = new AbortController();
  private reading = false;
  private heartbeatTimer?: NodeJS.Timeout;
  private heartbeat?: Promise<void>;
  private loop?: Promise<void>;
  /** Leases beyond this consumer's fair share, to give back between batches. */
  private excess = 0;

  constructor(
    private readonly transport: RedisEventTransport,
    private readonly group: string,
    private readonly handler: DeliveryHandler,
    private readonly options: Required<ConsumeOptions>,
  ) {
    this.s = transport.settings;
    this.client = transport.client;
  }

  /** Creates the group on every partition stream where it is missing. */
  private async ensureGroups(): Promise<void> {
    for (let p = 0; p < this.s.partitions; p++) {
      try {
        // Id 0, not $: a group created after a producer published still gets those events (docs/events.md §4.1).
        await this.client.xGroupCreate(this.transport.streamKey(p), this.group, '0', { MKSTREAM: true });
      } catch (err) {
        if (!errorText(err).startsWith('BUSYGROUP')) throw err;
      }
    }
  }

  async start(): Promise<void> {
    await this.ensureGroups();
    const reader: RedisClientType = this.client.duplicate();
    reader.on('error', this.s.onError);
    await reader.connect();
    this.reader = reader;
    try {
      await this.beat();
    } catch (err) {
      reader.destroy();
      throw err;
    }
    this.heartbeatTimer = setInterval(() => {
      this.heartbeat ??= this.beat()
        .catch((err: unknown) => this.s.logger?.warn({ err, group: this.group }, 'event consumer heartbeat failed'))
        .finally(() => (this.heartbeat = undefined));
    }, this.s.leaseMs / 3);
    this.loop = this.run();
  }

  stop(): Promise<void> {
    return (this.stopped ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.halt.abort();
    clearInterval(this.heartbeatTimer);
    // A read blocked on an empty stream would hold the stop for up to blockMs: cut its connection instead.
    if (this.reading) this.reader?.destroy();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop,
      new Promise((resolve) => (timer = setTimeout(resolve, this.options.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    this.killed.abort();
    // The partitions go to the other consumers now rather than when the leases expire; what this consumer leaves
    // pending (a handler that did not finish in time) they reclaim. Bounded: with Redis unreachable the commands
    // would wait for a reconnect, and the leases expire anyway.
    const handOver = (async () => {
      await this.heartbeat;
      await Promise.allSettled([
        ...[...this.held.keys()].map((p) => this.release(p)),
        this.client.zRem(this.transport.membersKey(this.group), this.name),
      ]);
    })();
    await Promise.race([handOver, new Promise((resolve) => (timer = setTimeout(resolve, this.options.stopTimeoutMs)))]);
    clearTimeout(timer);
    this.held.clear();
    if (this.reader?.isOpen) this.reader.destroy();
  }

  /** Marks this consumer alive, renews its leases, and takes free partitions up to its fair share. */
  private async beat(): Promise<void> {
    const alive = Number(
      await this.client.eval(HEARTBEAT, {
        keys: [this.transport.membersKey(this.group)],
        arguments: [this.name, String(this.s.leaseMs)],
      }),
    );
    const share = Math.ceil(this.s.partitions / Math.max(1, alive));
    const renewed = await Promise.all(
      [...this.held.keys()].map(async (p) => {
        const ok = await this.client.eval(RENEW, {
          keys: [this.transport.leaseKey(this.group, p)],
          arguments: [this.name, String(this.s.leaseMs)],
        });
        return [p, Number(ok) === 1] as const;
      }),
    );
    for (const [p, ok] of renewed) {
      // Not held any more: given back by run() meanwhile.
      if (ok || this.stopping || !this.held.has(p)) continue;
      // Expired while this consumer stalled: another may work it already, so stop reading it.
      this.held.delete(p);
      this.s.logger?.warn({ group: this.group, partition: p }, 'event partition lease lost');
    }
    if (this.stopping) return;
    const free = shuffle([...Array(this.s.partitions).keys()].filter((p) => !this.held.has(p)));
    for (const p of free) {
      if (this.held.size >= share) break;
      const taken = await this.client.set(this.transport.leaseKey(this.group, p), this.name, {
        condition: 'NX',
        expiration: { type: 'PX', value: this.s.leaseMs },
      });
      if (taken === 'OK' && !this.stopping) this.held.set(p, { mode: 'claim', counts: new Map() });
    }
    this.excess = Math.max(0, this.held.size - share);
  }

  private async release(p: number): Promise<void> {
    this.held.delete(p);
    await this.client.eval(RELEASE, { keys: [this.transport.leaseKey(this.group, p)], arguments: [this.name] });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        for (; this.excess > 0; this.excess--) {
          const p = Math.max(...this.held.keys());
          if (Number.isFinite(p)) await this.release(p);
        }
        for (const [p, partition] of [...this.held]) {
          if (partition.mode !== 'claim') continue;
          await this.claimPending(p);
          partition.mode = 'history';
        }
        const history = [...this.held].filter(([, partition]) => partition.mode === 'history').map(([p]) => p);
        if (history.length) {
          const reply = await this.client.xReadGroup(
            this.group,
            this.name,
            history.map((p) => ({ key: this.transport.streamKey(p), id: '0' })),
            { COUNT: this.s.batchSize },
          );
          const batch = this.byPartition(reply);
          for (const p of history) {
            const partition = this.held.get(p);
            if (partition && !batch.get(p)?.length) partition.mode = 'live';
          }
          await this.handleBatch(batch);
          continue;
        }
        const live = [...this.held.keys()];
        if (live.length === 0) {
          await pause(this.s.leaseMs / 3, this.halt.signal);
          continue;
        }
        if (this.stopping) break;
        this.reading = true;
        const reply = await this.reader!.xReadGroup(
          this.group,
          this.name,
          live.map((p) => ({ key: this.transport.streamKey(p), id: '>' })),
          { COUNT: this.s.batchSize, BLOCK: this.s.blockMs },
        );
        this.reading = false;
        await this.handleBatch(this.byPartition(reply));
      } catch (err) {
        this.reading = false;
        if (this.stopping) break;
        this.s.logger?.warn({ err, group: this.group }, 'event consumer read failed; retrying');
        // The streams or the group were deleted under it (FLUSHALL, a trimmed-away key): make them again.
        if (errorText(err).includes('NOGROUP')) await this.ensureGroups().catch(() => undefined);
        // Whatever it had read but not acknowledged is still pending for it: read it again (the inbox skips what
        // was handled already).
        for (const partition of this.held.values()) partition.mode = 'claim';
        await pause(1000, this.halt.signal);
      }
    }
  }

  private byPartition(reply: unknown): Map<number, Message[]> {
    const batch = new Map<number, Message[]>();
    for (const stream of (reply as { name: string; messages: Message[] }[] | null) ?? []) {
      const p = this.transport.partitionOfStream(String(stream.name));
      if (p !== undefined) batch.set(p, stream.messages);
    }
    return batch;
  }

  /** Partitions side by side, each one message at a time in stream order. */
  private async handleBatch(batch: Map<number, Message[]>): Promise<void> {
    await Promise.all(
      [...batch].map(async ([p, messages]) => {
        for (const message of messages) {
          // Stopping, or the lease is gone: the rest stays pending for the partition's next holder.
          if (this.stopping || !this.held.has(p)) return;
          await this.handle(p, message);
        }
      }),
    );
  }

  /**
   * Takes over every message of partition `p` still pending in the group (left by a consumer that stopped or
   * died, or by this one after a failed read), counting a delivery for each.
   */
  private async claimPending(p: number): Promise<void> {
    const key = this.transport.streamKey(p);
    for (let start = '-'; ;) {
      const pending = await this.client.xPendingRange(key, this.group, start, '+', 100);
      if (pending.length === 0) break;
      // XCLAIM also drops pending entries whose message was trimmed away.
      await this.client.xClaim(
        key,
        this.group,
        this.name,
        0,
        pending.map((entry) => entry.id),
      );
      for (const entry of pending) this.held.get(p)?.counts.set(entry.id, Number(entry.deliveriesCounter) + 1);
      if (pending.length < 100) break;
      start = `(${pending.at(-1)!.id}`;
    }
    // Consumers with nothing pending are only names now; XREADGROUP re-creates a name that reads again.
    const consumers = await this.client.xInfoConsumers(key, this.group);
    for (const c of consumers) {
      if (c.name !== this.name && Number(c.pending) === 0 && Number(c.idle) > this.s.leaseMs) {
        await this.client.xGroupDelConsumer(key, this.group, c.name);
      }
    }
  }

  private async handle(p: number, { id, message }: Message): Promise<void> {
    const key = this.transport.streamKey(p);
    const counts = this.held.get(p)?.counts;
    let attempt = counts?.get(id) ?? 1;
    counts?.delete(id);
    const raw = message?.e;
    if (raw === undefined) {
      // Trimmed before it was handled, or written by something else: nothing to deliver.
      await this.client.xAck(key, this.group, id);
      return;
    }
    let event: EventEnvelope;
    try {
      event = parseEnvelope(raw);
    } catch (err) {
      await this.park(p, id, raw, null, `not an event envelope: ${errorText(err)}`, attempt);
      return;
    }
    const { maxAttempts, retryDelayMs, maxRetryDelayMs } = this.options;
    if (attempt > maxAttempts) {
      await this.park(p, id, raw, event, `no consumer finished it in ${attempt - 1} deliveries`, attempt - 1);
      return;
    }
    for (;;) {
      let failure: unknown;
      try {
        const outcome = await abandonable(
          this.handler(event, { attempt, lastAttempt: attempt >= maxAttempts }),
          this.killed.signal,
        );
        if (outcome === 'aborted') return;
        await this.client.xAck(key, this.group, id);
        return;
      } catch (err) {
        failure = err;
      }
      if (failure instanceof RejectedEventError || attempt >= maxAttempts) {
        await this.park(p, id, raw, event, errorText(failure), attempt);
        return;
      }
      // Stopping: leave it pending; the partition's next holder retries it.
      if (this.stopping) return;
      if (!(await pause(retryDelay(attempt, retryDelayMs, maxRetryDelayMs), this.halt.signal))) return;
      // The lease went meanwhile: the partition's new holder has it.
      if (!this.held.has(p)) return;
      // Claiming it again counts the attempt in Redis: a crash from here on does not reset the count.
      const again = await this.client.xClaim(key, this.group, this.name, 0, id);
      if (!again.some((m) => m !== null)) return;
      attempt++;
    }
  }

  /** Copies the message to the group's dead letters and acknowledges it, in one step. */
  private async park(
    p: number,
    id: string,
    raw: string,
    event: EventEnvelope | null,
    error: string,
    attempts: number,
  ): Promise<void> {
    const key = this.transport.streamKey(p);
    this.s.logger?.error(
      { group: this.group, eventId: event?.id, type: event?.type, attempts, error },
      'event parked as a dead letter',
    );
    await this.client
      .multi()
      .xAdd(
        this.transport.deadKey(this.group),
        '*',
        {
          raw,
          error,
          attempts: String(attempts),
          group: this.group,
          stream: key,
          entry: id,
          deadAt: new Date().toISOString(),
        },
        { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.s.deadLetterMaxLen } },
      )
      .xAck(key, this.group, id)
      .exec();
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
