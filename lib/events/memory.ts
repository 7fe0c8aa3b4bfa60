/**
 * The embedded-mode transport: Redis Streams' semantics inside one process, under the same contract
 * (transport.contract.ts), without persistence (a restart forgets what was not yet handled; embedded mode is for
 * trying the platform, not for keeping data).
 *
 * Like redis.ts: events go to a partition by key; each group keeps its own position per partition, starting at the
 * oldest retained event; a partition is worked by one consumer of the group at a time, one event at a time
 * (per-key order), failures retried in place with back-off, then parked as dead letters. Several consumers of a
 * group split the partitions between them (partition p → consumer p mod n, re-dealt whenever one joins or stops).
 */
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

export interface MemoryEventTransportOptions {
  /** Partitions events are spread over by key. @default 4 */
  partitions?: number;
  /** Events kept per partition for groups that have not read them yet (like XADD MAXLEN). @default 10000 */
  maxLen?: number;
}

interface Log {
  /** Absolute offset of `entries[0]`. */
  base: number;
  /** Messages as they would travel (JSON text): every delivery parses its own copy. */
  entries: string[];
}

interface Group {
  name: string;
  /** Per partition: absolute offset of the next event to handle. */
  next: number[];
  /** Per partition: deliveries made so far of the event at `next`. */
  deliveries: number[];
  /** Per partition: whether its lane (the loop that works it) is running. */
  running: boolean[];
  consumers: Consumer[];
}

type Outcome = 'done' | 'abandoned';

class Consumer {
  /** Aborted when stop() begins: back-offs end early, and the event retried is left for the next consumer. */
  readonly halt = new AbortController();
  /** Aborted when stop() stops waiting: whatever is in flight is abandoned, unacknowledged. */
  readonly killed = new AbortController();
  readonly inFlight = new Set<Promise<Outcome>>();
  stopped?: Promise<void>;
  constructor(
    readonly handler: DeliveryHandler,
    readonly options: Required<ConsumeOptions>,
  ) {}
}

export class MemoryEventTransport implements EventTransport {
  private readonly partitions: number;
  private readonly maxLen: number;
  private readonly logs: Log[];
  private readonly groups = new Map<string, Group>();
  private readonly dead = new Map<string, DeadLetter[]>();

  constructor(options: MemoryEventTransportOptions = {}) {
    this.partitions = options.partitions ?? 4;
    this.maxLen = options.maxLen ?? 10_000;
    this.logs = Array.from({ length: this.partitions }, () => ({ base: 0, entries: [] }));
  }

  async publish(...events: EventEnvelope[]): Promise<void> {
    const touched = new Set<number>();
    for (const event of events) {
      const p = partitionOf(String(event.key), this.partitions);
      const log = this.logs[p]!;
      log.entries.push(JSON.stringify(event));
      // Trimmed in slices, like MAXLEN ~, so a busy partition does not shift its array on every event.
      if (log.entries.length > this.maxLen * 1.1) {
        const drop = log.entries.length - this.maxLen;
        log.entries.splice(0, drop);
        log.base += drop;
      }
      touched.add(p);
    }
    for (const group of this.groups.values()) for (const p of touched) this.work(group, p);
  }

  async consume(groupName: string, handler: DeliveryHandler, options: ConsumeOptions = {}) {
    let group = this.groups.get(groupName);
    if (!group) {
      group = {
        name: groupName,
        next: this.logs.map((log) => log.base),
        deliveries: this.logs.map(() => 0),
        running: this.logs.map(() => false),
        consumers: [],
      };
      this.groups.set(groupName, group);
    }
    const consumer = new Consumer(handler, { ...CONSUME_DEFAULTS, ...options });
    group.consumers.push(consumer);
    this.workAll(group);
    const owner = group;
    return () => this.stopConsumer(owner, consumer);
  }

  async deadLetters(group: string, limit = 100): Promise<DeadLetter[]> {
    return (this.dead.get(group) ?? []).slice(0, limit).map((letter) => ({ ...letter }));
  }

  async replayDeadLetters(group: string): Promise<number> {
    const letters = this.dead.get(group) ?? [];
    const replayable = letters.filter((letter) => letter.event);
    this.dead.set(
      group,
      letters.filter((letter) => !letter.event),
    );
    await this.publish(...replayable.map((letter) => letter.event!));
    return replayable.length;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.groups.values()].flatMap((group) => group.consumers.map((c) => this.stopConsumer(group, c))),
    );
    this.groups.clear();
  }

  private stopConsumer(group: Group, consumer: Consumer): Promise<void> {
    return (consumer.stopped ??= this.shutDown(group, consumer));
  }

  private async shutDown(group: Group, consumer: Consumer): Promise<void> {
    consumer.halt.abort();
    group.consumers = group.consumers.filter((c) => c !== consumer);
    if (consumer.inFlight.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...consumer.inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, consumer.options.stopTimeoutMs))),
      ]);
      clearTimeout(timer);
    }
    consumer.killed.abort();
    // Partitions it was working go to the consumers left, from the event it did not finish.
    this.workAll(group);
  }

  private workAll(group: Group): void {
    for (let p = 0; p < this.partitions; p++) this.work(group, p);
  }

  /** Starts partition `p`'s lane for `group` unless it runs already; it stops when caught up or unstaffed. */
  private work(group: Group, p: number): void {
    if (group.running[p]) return;
    group.running[p] = true;
    void this.lane(group, p).finally(() => {
      group.running[p] = false;
    });
  }

  private async lane(group: Group, p: number): Promise<void> {
    const log = this.logs[p]!;
    for (;;) {
      if (group.next[p]! < log.base) {
        // Trimmed before this group read it: what MAXLEN does to a group that lags too far behind.
        group.next[p] = log.base;
        group.deliveries[p] = 0;
      }
      const raw = log.entries[group.next[p]! - log.base];
      const consumer = group.consumers[p % Math.max(1, group.consumers.length)];
      if (raw === undefined || !consumer) return;
      const delivery = this.deliver(group, p, consumer, raw);
      consumer.inFlight.add(delivery);
      const outcome = await delivery.finally(() => consumer.inFlight.delete(delivery));
      if (outcome === 'done') {
        group.next[p]!++;
        group.deliveries[p] = 0;
      }
    }
  }

  /** One event to one consumer, retried in place until handled, parked, or abandoned by a stop. */
  private async deliver(group: Group, p: number, consumer: Consumer, raw: string): Promise<Outcome> {
    const { maxAttempts, retryDelayMs, maxRetryDelayMs } = consumer.options;
    let event: EventEnvelope;
    try {
      event = parseEnvelope(raw);
    } catch (err) {
      this.park(group.name, raw, null, `not an event envelope: ${errorText(err)}`, group.deliveries[p]! + 1);
      return 'done';
    }
    for (;;) {
      const attempt = ++group.deliveries[p]!;
      if (attempt > maxAttempts) {
        this.park(group.name, raw, event, `no consumer finished it in ${attempt - 1} deliveries`, attempt - 1);
        return 'done';
      }
      let failure: unknown;
      try {
        const outcome = await abandonable(
          consumer.handler(event, { attempt, lastAttempt: attempt >= maxAttempts }),
          consumer.killed.signal,
        );
        return outcome === 'aborted' ? 'abandoned' : 'done';
      } catch (err) {
        failure = err;
      }
      if (failure instanceof RejectedEventError || attempt >= maxAttempts) {
        this.park(group.name, raw, event, errorText(failure), attempt);
        return 'done';
      }
      // Stopping: the group's next consumer retries it.
      if (!(await pause(retryDelay(attempt, retryDelayMs, maxRetryDelayMs), consumer.halt.signal))) return 'abandoned';
    }
  }

  private park(group: string, raw: string, event: EventEnvelope | null, error: string, attempts: number): void {
    const letters = this.dead.get(group) ?? [];
    letters.push({ event, raw, group, error, attempts, deadAt: new Date().toISOString() });
    this.dead.set(group, letters);
  }
}
