/** The envelope of an event between subgraphs (docs/events.md §3) and the helpers every transport shares. */
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
  /**
   * HMAC-SHA256 (base64url) of every other field (signing.ts). The relay adds it when it publishes; consumers
   * refuse an event without a valid one. Absent on an envelope that has not left its outbox.
   */
  signature?: string;
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

/** FNV-1a over the key's UTF-16 code units: the same partition for a key in every process. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** Reads a message as an envelope; throws when it is not JSON or lacks a field every envelope has. */
export function parseEnvelope(raw: string): EventEnvelope {
  const value: unknown = JSON.parse(raw);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  const e = value as Record<string, unknown>;
  for (const field of ['id', 'type', 'occurredAt', 'source', 'key'] as const) {
    if (typeof e[field] !== 'string') throw new Error(`envelope field "${field}" is missing or not a string`);
  }
  if (typeof e.version !== 'number') throw new Error('envelope field "version" is missing or not a number');
  if (!('data' in e)) throw new Error('envelope field "data" is missing');
  return value as EventEnvelope;
}
