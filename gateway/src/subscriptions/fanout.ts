/**
 * Fan-out: subscribers whose (document, operationName, variables, auth scope) match form one group. A group listens
 * to one upstream subscription, runs the event's plan once per event and serializes the result once; every
 * subscriber of the group is handed the same string. A transport writes that string as it is (ws.ts, sse.ts,
 * multipart.ts), so 10,000 subscribers of one group cost one execution and one JSON.stringify per event.
 *
 * A subscriber is either read as an async iterator (SSE, multipart: results queue until the transport takes them),
 * or given a `direct` writer (graphql-ws), which the group calls synchronously: no promise, no queue, no iterator
 * step per subscriber, which is most of what a fan-out to thousands costs besides the socket writes themselves.
 */
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../../lib/logger/index.js';
import type { EventExecutor, EventScope, UpstreamEvent } from './execute.js';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner.js';
import type { UpstreamListener } from './upstream.js';

/** One item of a subscriber's stream: a result (JSON text shared by the whole group), or the end. */
export type Delivery =
  | { kind: 'next'; json: string }
  /** The last item. With errors, the subscription failed or was ended (expired token, supergraph change, …). */
  | { kind: 'end'; errors?: readonly GraphQLFormattedError[] };

/**
 * Results waiting for a subscriber that reads slower than events arrive; past it the oldest is dropped (like
 * lib/infra's topics: live updates, where the newest state matters most).
 */
const MAX_QUEUED = 1000;
/** Events waiting for their turn in a group (each group runs its events one at a time, in order). */
const MAX_PENDING_EVENTS = 1000;
/**
 * Subscribers handed a result between two turns of the event loop: a fan-out to 10,000 writes to as many sockets,
 * and other connections (handshakes, pings, unsubscribes) must not wait for all of them.
 */
const DELIVERY_SLICE = 1000;

/**
 * One subscriber's results, as an async iterator whose `return()` takes the subscriber out of its group at once
 * (not at the next event), so the last one to leave closes the upstream immediately.
 */
export class SubscriberStream implements AsyncIterableIterator<Delivery> {
  private readonly queue: Delivery[] = [];
  private reader?: (result: IteratorResult<Delivery>) => void;
  /** No item will be added any more (ended, or returned by the transport). */
  private sealed = false;
  private released = false;
  private readonly onRelease: (() => void)[] = [];
  /** Writes a result straight to the transport instead of queueing it (see the module's comment). */
  direct?: (json: string) => void;

  /** Runs `fn` once when the stream stops receiving (ended or returned): leaving its group, freeing its limits. */
  onReleased(fn: () => void): void {
    if (this.released) fn();
    else this.onRelease.push(fn);
  }

  get isOpen(): boolean {
    return !this.sealed;
  }

  push(json: string): void {
    if (this.sealed) return;
    if (this.direct) return this.direct(json);
    this.deliver({ kind: 'next', json });
    if (this.queue.length > MAX_QUEUED) this.queue.shift();
  }

  /** Ends the stream after what is queued; `errors` tell the client why when it did not simply complete. */
  end(errors?: readonly GraphQLFormattedError[]): void {
    if (this.sealed) return;
    this.sealed = true;
    this.deliver({ kind: 'end', errors });
    this.release();
  }

  next(): Promise<IteratorResult<Delivery>> {
    const item = this.queue.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.sealed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.reader = resolve));
  }

  async return(): Promise<IteratorResult<Delivery>> {
    this.sealed = true;
    this.queue.length = 0;
    const reader = this.reader;
    this.reader = undefined;
    reader?.({ value: undefined, done: true });
    this.release();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private deliver(item: Delivery) {
    const reader = this.reader;
    this.reader = undefined;
    if (reader) reader({ value: item, done: false });
    else this.queue.push(item);
  }

  private release() {
    if (this.released) return;
    this.released = true;
    for (const fn of this.onRelease.splice(0)) fn();
  }
}

export interface GroupOptions {
  key: string;
  planner: SubscriptionPlanner;
  plan: SubscriptionPlan;
  scope: EventScope;
  executor: EventExecutor;
  logger: Logger;
  /** Called once when the group has no subscriber left or its upstream ended: forget it, close the upstream. */
  onClosed(group: FanoutGroup): void;
}

/** The subscribers of one (document, operationName, variables, auth scope), and the work they share per event. */
export class FanoutGroup implements UpstreamListener {
  readonly subscribers = new Set<SubscriberStream>();
  private turn: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;
  /** Events run and results serialized (for tests and the benchmark). */
  executions = 0;

  constructor(private readonly options: GroupOptions) {}

  get key(): string {
    return this.options.key;
  }

  add(stream: SubscriberStream): void {
    this.subscribers.add(stream);
    stream.onReleased(() => this.remove(stream));
  }

  /** The upstream's event: run the plan once, hand the one string to every subscriber, in event order. */
  next(event: UpstreamEvent): void {
    if (this.closed) return;
    if (this.pending >= MAX_PENDING_EVENTS) {
      this.options.logger.warn({ group: this.key }, 'subscription events arrive faster than they run; one dropped');
      return;
    }
    this.pending++;
    this.turn = this.turn.then(async () => {
      try {
        if (this.subscribers.size === 0) return;
        const { planner, plan, scope, executor } = this.options;
        const json = await executor.run(planner, plan, event, scope);
        this.executions++;
        const subscribers = [...this.subscribers];
        for (let i = 0; i < subscribers.length; i++) {
          if (i > 0 && i % DELIVERY_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
          subscribers[i]!.push(json);
        }
      } catch (err) {
        // run() formats every error into the result; reaching here is a bug, which must not stop later events.
        this.options.logger.error({ err }, 'subscription event failed');
      } finally {
        this.pending--;
      }
    });
  }

  /** The upstream ended (completed, or failed with `errors`) or the gateway ends it: end every subscriber. */
  end(errors?: readonly GraphQLFormattedError[]): void {
    if (this.closed) return;
    this.close();
    // After the events already under way, so that a subscriber sees them before the end.
    void this.turn.then(() => {
      for (const subscriber of [...this.subscribers]) subscriber.end(errors);
    });
  }

  private remove(stream: SubscriberStream) {
    this.subscribers.delete(stream);
    if (this.subscribers.size === 0) this.close();
  }

  private close() {
    if (this.closed) return;
    this.closed = true;
    this.options.onClosed(this);
  }
}

/**
 * A subscriber's stream as a transport's library iterates results, each delivery turned into a result (or an end)
 * by `map`. Not an async generator: its `return()` would wait for the pending `next()`, i.e. for the next event,
 * before the subscriber left its group; this one's goes straight to the stream.
 */
export function resultIterator(
  stream: SubscriberStream,
  map: (delivery: Delivery) => IteratorResult<ExecutionResult, undefined>,
): AsyncIterableIterator<ExecutionResult> {
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const item = await stream.next();
      return item.done ? { value: undefined, done: true } : map(item.value);
    },
    return: async () => {
      await stream.return();
      return { value: undefined, done: true };
    },
    // graphql-sse returns only what has a throw(), as async generators do.
    throw: async (error: unknown) => {
      await stream.return();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
