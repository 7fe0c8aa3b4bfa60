/** The transport port (docs/events.md §4): what the relay publishes to and the consumer runner reads from. */
import type { EventEnvelope } from './envelope.js';

/** What a handler learns about the delivery it is given. */
export interface Delivery {
  /**
   * 1 the first time; counts every earlier delivery of this event to the group, including ones to consumers
   * that stopped or crashed before finishing it.
   */
  attempt: number;
  /** Whether a failure now parks the event as a dead letter instead of retrying it. */
  lastAttempt: boolean;
}

/**
 * The transport's callback for one delivery: resolving acknowledges it; throwing asks for it again after a
 * back-off (a dead letter after the last attempt); throwing a RejectedEventError parks it at once.
 */
export type DeliveryHandler = (event: EventEnvelope, delivery: Delivery) => Promise<void>;

/** Thrown by a handler for an event no retry can fix (a bad signature): the transport dead-letters it at once. */
export class RejectedEventError extends Error {
  override name = 'RejectedEventError';
}

export interface ConsumeOptions {
  /** Deliveries of one event before it is parked as a dead letter. @default 5 */
  maxAttempts?: number;
  /** Back-off before the first retry in ms, doubled on each further one, with jitter (retryDelay). @default 100 */
  retryDelayMs?: number;
  /** Ceiling of one back-off, in ms. @default 10000 */
  maxRetryDelayMs?: number;
  /**
   * How long `stop()` waits for a delivery in progress, in ms. Past it the delivery is abandoned unacknowledged
   * and the group's next consumer gets the event again. @default 5000
   */
  stopTimeoutMs?: number;
}

export const CONSUME_DEFAULTS: Required<ConsumeOptions> = {
  maxAttempts: 5,
  retryDelayMs: 100,
  maxRetryDelayMs: 10_000,
  stopTimeoutMs: 5000,
};

/**
 * Back-off before retry number `attempt` (1 = the first retry), in ms: `base · 2^(attempt−1)` capped at `max`,
 * then "equal jitter" (a random point in its upper half), so consumers that failed together do not retry together.
 */
export function retryDelay(attempt: number, base: number, max: number): number {
  const delay = Math.min(max, base * 2 ** (attempt - 1));
  return delay / 2 + (Math.random() * delay) / 2;
}

/** An event parked after its last attempt, or at once when it could not be read or verified. */
export interface DeadLetter {
  /** The envelope as published; null when the message was not an envelope at all (see `raw`). */
  event: EventEnvelope | null;
  /** The message exactly as it arrived. */
  raw: string;
  group: string;
  /** The last error's message. */
  error: string;
  /** Deliveries made before it was parked. */
  attempts: number;
  /** ISO-8601 time it was parked. */
  deadAt: string;
}

/**
 * Carries envelopes from producers to consumer groups: at least once, each group receiving every event, events
 * with one key in the order published (a group handles one key's events one at a time, in one of its consumers).
 * Redis Streams in real deployments (redis.ts); in memory in embedded mode (memory.ts).
 */
export interface EventTransport {
  /** Accepts the events in order (one atomic step for Redis): resolved means stored for every group. */
  publish(...events: EventEnvelope[]): Promise<void>;
  /**
   * Starts one consumer of group `group` (created on first use, reading from the oldest event still retained, so
   * a group that starts late misses nothing). Several consumers of one group, in one process or several, share
   * its events: each event goes to one of them. Returns how to stop this consumer.
   */
  consume(group: string, handler: DeliveryHandler, options?: ConsumeOptions): Promise<() => Promise<void>>;
  /** The group's dead letters, oldest first (at most `limit`). */
  deadLetters(group: string, limit?: number): Promise<DeadLetter[]>;
  /**
   * Publishes the group's dead letters again and removes them (docs/events.md §4): every group receives them anew,
   * and the groups that handled them already skip them by their inbox. Returns how many were replayed; letters that
   * were not envelopes are kept.
   */
  replayDeadLetters(group: string): Promise<number>;
  /** Stops every consumer (as their `stop()` does) and releases connections. */
  close(): Promise<void>;
}

/** The message of whatever was thrown. */
export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `promise`'s outcome, or 'aborted' as soon as `signal` aborts (the promise itself runs on, unobserved). */
export function abandonable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Waits `ms`; false when `signal` aborted first. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await abandonable(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), signal);
  clearTimeout(timer);
  return outcome !== 'aborted';
}
