/**
 * The transactional outbox and inbox (docs/events.md §4). A service records an event with the same
 * EntityManager, in the same transaction, as the change it announces: both commit, or neither. A relay publishes
 * committed outbox rows to the transport afterwards; a consumer records each handled event id in its inbox in the
 * same transaction as its effect, so a redelivered event changes nothing.
 *
 * Each subgraph that produces or consumes events lists EVENT_ENTITIES among its entities (its own tables, its
 * own migrations).
 */
import { defineEntity, p, type EntityManager, type InferEntity } from '@mikro-orm/core';
import { createEvent, type EventEnvelope, type EventMap, type EventOf } from './index.js';

export const OutboxEvent = defineEntity({
  name: 'OutboxEvent',
  tableName: 'outbox_events',
  properties: {
    /** The event id (UUIDv7): time-ordered, so the relay publishes in the order events were recorded. */
    id: p.uuid().primary(),
    type: p.string().length(100),
    key: p.string().length(100),
    /** The whole envelope as JSON text (text, not a JSON column: the drivers disagree on JSON columns). */
    envelope: p.text(),
    createdAt: p.datetime().length(3),
    /** Null until the relay has handed the event to the transport. */
    publishedAt: p.datetime().length(3).nullable().index(),
  },
});
export type OutboxEvent = InferEntity<typeof OutboxEvent>;

export const InboxEvent = defineEntity({
  name: 'InboxEvent',
  tableName: 'inbox_events',
  properties: {
    /** The handled event's id: a second delivery finds it and changes nothing. */
    id: p.uuid().primary(),
    type: p.string().length(100),
    handledAt: p.datetime().length(3),
  },
});
export type InboxEvent = InferEntity<typeof InboxEvent>;

/** The tables a subgraph needs to produce and consume events. */
export const EVENT_ENTITIES = [OutboxEvent, InboxEvent];

/**
 * What services see of the outbox: record an event in the caller's unit of work. Typed by the producing
 * subgraph's EventMap (its `src/domain/events.ts`).
 */
export interface EventRecorder<M extends EventMap> {
  /**
   * Stages the event on `em`; the caller's flush (inside its transaction) writes it with the change. Ids that
   * `idColumn()` generates appear only at flush: give an entity its id (`uuidv7()`) when creating it if its event
   * names it.
   */
  record<K extends keyof M & string>(em: EntityManager, type: K, key: string, data: M[K]): EventOf<M, K>;
}

/** The outbox of one producing subgraph (`source`). */
export class Outbox<M extends EventMap> implements EventRecorder<M> {
  constructor(private readonly source: string) {}

  record<K extends keyof M & string>(em: EntityManager, type: K, key: string, data: M[K]): EventOf<M, K> {
    const event = createEvent<M, K>(this.source, type, key, data);
    em.create(OutboxEvent, {
      id: event.id,
      type: event.type,
      key: event.key,
      envelope: JSON.stringify(event),
      createdAt: new Date(event.occurredAt),
      publishedAt: null,
    });
    return event;
  }
}

/**
 * Handles one event of another subgraph inside the consumer's transaction (`em`); the consumer runner records
 * the inbox row in the same transaction and acknowledges after commit. Throwing rolls back and asks for the event
 * again later (or dead-letters it after the last attempt).
 */
export type EventHandler<E extends EventEnvelope = EventEnvelope> = ((event: E, em: EntityManager) => Promise<void>) & {
  /**
   * Asked before any transaction: false says the event is none of this consumer's business, and the runner
   * acknowledges it as ignored with no transaction and no inbox row (nothing happens, so nothing can happen twice).
   * A pure function of the event, so a redelivery gets the same answer. Without it every event of the type applies.
   */
  appliesTo?: (event: E) => boolean;
};

/** `handle` for the events `appliesTo` accepts; the others are ignored before any transaction (EventHandler). */
export function handlerFor<E extends EventEnvelope>(
  appliesTo: (event: E) => boolean,
  handle: (event: E, em: EntityManager) => Promise<void>,
): EventHandler<E> {
  return Object.assign((event: E, em: EntityManager) => handle(event, em), { appliesTo });
}

/** The handlers of one consuming subgraph, by event type; types without a handler are acknowledged and ignored. */
export type EventHandlers = Record<string, EventHandler<any>>;
