/**
 * The consumer runner (docs/events.md §4): one consuming subgraph's handlers behind a consumer group, each event
 * handled once in effect.
 *
 * For each delivery: the signature is verified before anything else (a bad one, or no envelope at all, is parked
 * at once); a type without a handler, or an event its handler declines (`appliesTo`), is acknowledged and ignored
 * with no transaction; otherwise, in one transaction, the event id is
 * inserted into the inbox first, then the handler runs. The transport acknowledges after that commit. A duplicate
 * (a re-publish, a redelivery, or the same event in another replica at the same moment) fails the inbox insert on
 * its primary key: that is "already handled", acknowledged with no effect. Inserting first makes the row a lock: a
 * concurrent duplicate waits for the first transaction and then skips, or, if the first rolled back, handles it.
 * A handler that throws rolls everything back; the transport retries it with back-off, then parks it.
 */
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import type { Logger } from '../logger/index.js';
import type { EventEnvelope } from './envelope.js';
import { InboxEvent, type EventHandlers } from './outbox.js';
import { pruneInbox } from './retention.js';
import { verifyEvent } from './signing.js';
import { RejectedEventError, type ConsumeOptions, type DeliveryHandler, type EventTransport } from './transport.js';

export interface EventConsumerOptions extends ConsumeOptions {
  /** The consumer group: the consuming subgraph's name. Replicas of a subgraph share it. */
  group: string;
  handlers: EventHandlers;
  /** The consuming subgraph's database: handlers' effects and its inbox. */
  orm: MikroORM;
  transport: EventTransport;
  /** EVENT_SECRET: events whose signature does not verify are parked unread. */
  secret: string;
  logger: Logger;
  /**
   * Inbox rows of events older than this are deleted, in ms. A redelivery of an event that old (a dead letter
   * replayed by hand much later) would be handled again. @default 30 days
   */
  inboxRetentionMs?: number;
  /** How often the inbox is pruned, in ms. @default 1 hour */
  pruneIntervalMs?: number;
  /** Told each delivery's outcome and its lag, seconds from the event's `occurredAt` to now (metrics). */
  observer?: ConsumerObserver;
}

export interface ConsumerObserver {
  delivered(outcome: EventOutcome | 'failed' | 'rejected', lagSeconds: number): void;
}

/** What happened to one delivery (for logs and tests). */
export type EventOutcome = 'handled' | 'duplicate' | 'ignored';

/** Raised inside the transaction to roll it back when the inbox already has the event. */
class AlreadyHandled extends Error {}

/**
 * Handles one delivered event as the runner does (verify, inbox, handler, one transaction). Throws
 * RejectedEventError for an event that must not be processed, and the handler's error when it fails.
 */
export function createEventProcessor(
  options: Pick<EventConsumerOptions, 'group' | 'handlers' | 'orm' | 'secret' | 'logger'>,
): (event: EventEnvelope) => Promise<EventOutcome> {
  const { group, handlers, orm, secret, logger } = options;
  return async (event) => {
    if (!verifyEvent(event, secret)) {
      logger.error({ group, eventId: event.id, type: event.type, source: event.source }, 'event signature invalid');
      throw new RejectedEventError(
        typeof event.signature === 'string' ? 'signature does not verify' : 'event is not signed',
      );
    }
    const handler = Object.hasOwn(handlers, event.type) ? handlers[event.type] : undefined;
    if (!handler || handler.appliesTo?.(event) === false) return 'ignored';
    try {
      await orm.em.fork().transactional(async (em) => {
        em.create(InboxEvent, { id: event.id, type: event.type, handledAt: new Date() });
        try {
          await em.flush();
        } catch (err) {
          if (err instanceof UniqueConstraintViolationException) throw new AlreadyHandled();
          throw err;
        }
        await handler(event, em);
      });
      return 'handled';
    } catch (err) {
      if (err instanceof AlreadyHandled) return 'duplicate';
      throw err;
    }
  };
}

/**
 * Starts consuming as `group`: every event of the transport goes through createEventProcessor. Returns how to stop
 * (waits up to `stopTimeoutMs` for an event in progress).
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<() => Promise<void>> {
  const { group, orm, transport, logger, observer } = options;
  const processEvent = createEventProcessor(options);
  const observe = (event: { occurredAt: string }, outcome: Parameters<ConsumerObserver['delivered']>[0]) => {
    const occurred = Date.parse(event.occurredAt);
    if (observer && Number.isFinite(occurred)) observer.delivered(outcome, Math.max(0, Date.now() - occurred) / 1000);
  };
  const deliver: DeliveryHandler = async (event, delivery) => {
    try {
      const outcome = await processEvent(event);
      observe(event, outcome);
      if (outcome !== 'ignored') logger.debug({ group, eventId: event.id, type: event.type, outcome }, 'event');
    } catch (err) {
      observe(event, err instanceof RejectedEventError ? 'rejected' : 'failed');
      if (!(err instanceof RejectedEventError)) {
        logger.warn(
          { err, group, eventId: event.id, type: event.type, attempt: delivery.attempt },
          delivery.lastAttempt ? 'event handler failed; parking the event' : 'event handler failed; will retry',
        );
      }
      throw err;
    }
  };
  const stop = await transport.consume(group, deliver, options);

  const retentionMs = options.inboxRetentionMs ?? 30 * 24 * 3600_000;
  const pruneTimer = setInterval(() => {
    pruneInbox(orm, new Date(Date.now() - retentionMs)).catch((err: unknown) =>
      logger.warn({ err, group }, 'inbox pruning failed'),
    );
  }, options.pruneIntervalMs ?? 3600_000);
  pruneTimer.unref();

  return async () => {
    clearInterval(pruneTimer);
    await stop();
  };
}
