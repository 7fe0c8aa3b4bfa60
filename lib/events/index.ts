/**
 * Events between subgraphs (docs/events.md): durable facts one subgraph announces and others react to,
 * e.g. `order.created` → the hub subgraph plans a route. This folder is their one home:
 * - index.ts: the typed event map, the envelope, the transport port and its in-process implementation;
 * - the transactional outbox (write the event with the state change, relay it after commit), the inbox
 *   (record handled event ids with the effect) and the Redis Streams transport join here, under the
 *   same contract test (transport.test.ts).
 * Each subgraph declares the events it produces in `src/domain/events.ts` (an EventMap) and its
 * consumers of other subgraphs' events in `src/events/`.
 *
 * Not to be confused with pub/sub (lib/infra/pubsub.ts): that is fire-and-forget fan-out to live
 * subscribers; an event here is kept until every consumer group has handled it.
 */
import { uuidv7 } from '../orm/columns.js';

/**
 * Payload type per event type, like Hive's TopicDataMap: `type OrderEvents = { 'order.created': { orderId: string } }`
 * (a type alias, not an interface: only aliases satisfy an index signature).
 * Producers and consumers are typed by the producer's map.
 */
export type EventMap = { [type: string]: object };

export interface EventEnvelope<Type extends string = string, Data = unknown> {
  /** UUIDv7: unique, time-ordered; consumers deduplicate on it. */
  id: string;
  /** `<aggregate>.<past-tense verb>`, e.g. `order.created`. */
  type: Type;
  /** Payload schema version; a consumer refuses versions it does not know. */
  version: number;
  /** ISO-8601 time of the state change. */
  occurredAt: string;
  /** The producing subgraph. */
  source: string;
  /** Ordering key (e.g. the order id): events with one key are handled in the order produced. */
  key: string;
  data: Data;
}

/** The envelope of any event of `M` (or of the types `K`), as a discriminated union on `type`. */
export type EventOf<M extends EventMap, K extends keyof M & string = keyof M & string> = {
  [T in K]: EventEnvelope<T, M[T]>;
}[K];

/** Makes an envelope for `type` with a fresh id. */
export function createEvent<M extends EventMap, K extends keyof M & string>(
  source: string,
  type: K,
  key: string,
  data: M[K],
  options: { version?: number; occurredAt?: Date } = {},
): EventOf<M, K> {
  return {
    id: uuidv7(),
    type,
    version: options.version ?? 1,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    source,
    key,
    data,
  } as EventOf<M, K>;
}

/** The transport's callback for one delivery: resolving acknowledges it, throwing asks for it again later. */
export type DeliveryHandler = (event: EventEnvelope) => Promise<void>;

export interface ConsumeOptions {
  /** Deliveries of one event before it is parked as a dead letter. @default 5 */
  maxAttempts?: number;
  /** Delay before the first retry, doubled on each further one. @default 100 */
  retryDelayMs?: number;
}

/**
 * Carries envelopes from producers to consumer groups: at least once, in order per key within a group,
 * each group receiving every event. Redis Streams in real deployments; in memory in embedded mode.
 */
export interface EventTransport {
  publish(event: EventEnvelope): Promise<void>;
  /** Starts delivering every event published from now on to `handler`, as consumer group `group`. */
  consume(group: string, handler: DeliveryHandler, options?: ConsumeOptions): Promise<() => Promise<void>>;
  /** Events that failed every attempt, per group, for inspection and replay. */
  deadLetters(group: string): Promise<EventEnvelope[]>;
  close(): Promise<void>;
}

interface Group {
  name: string;
  handler: DeliveryHandler;
  options: Required<ConsumeOptions>;
  queue: EventEnvelope[];
  running: boolean;
  stopped: boolean;
}

/**
 * The embedded-mode transport: one process, no persistence. Each group drains its own queue one event at
 * a time, so events are handled in publish order; a failing event is retried with backoff, holding back
 * the ones behind it (as a Redis Streams consumer would for its pending entry), and parked after
 * `maxAttempts`.
 */
export class MemoryEventTransport implements EventTransport {
  private readonly groups = new Map<string, Group>();
  private readonly dead = new Map<string, EventEnvelope[]>();

  async publish(event: EventEnvelope): Promise<void> {
    for (const group of this.groups.values()) {
      group.queue.push(event);
      this.drain(group);
    }
  }

  async consume(group: string, handler: DeliveryHandler, options: ConsumeOptions = {}) {
    if (this.groups.has(group)) throw new Error(`Consumer group "${group}" is already consuming`);
    const entry: Group = {
      name: group,
      handler,
      options: { maxAttempts: options.maxAttempts ?? 5, retryDelayMs: options.retryDelayMs ?? 100 },
      queue: [],
      running: false,
      stopped: false,
    };
    this.groups.set(group, entry);
    return async () => {
      entry.stopped = true;
      this.groups.delete(group);
    };
  }

  async deadLetters(group: string): Promise<EventEnvelope[]> {
    return [...(this.dead.get(group) ?? [])];
  }

  async close(): Promise<void> {
    for (const group of this.groups.values()) group.stopped = true;
    this.groups.clear();
  }

  private drain(group: Group): void {
    if (group.running) return;
    group.running = true;
    void this.run(group).finally(() => {
      group.running = false;
    });
  }

  private async run(group: Group): Promise<void> {
    while (!group.stopped && group.queue.length) {
      const event = group.queue[0]!;
      for (let attempt = 1; !group.stopped; attempt++) {
        try {
          await group.handler(event);
          break;
        } catch {
          if (attempt >= group.options.maxAttempts) {
            this.dead.set(group.name, [...(this.dead.get(group.name) ?? []), event]);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, group.options.retryDelayMs * 2 ** (attempt - 1)));
        }
      }
      group.queue.shift();
    }
  }
}
