/**
 * The event machinery of lib/events as background tasks of a subgraph (background.ts), built from its deps:
 * its database (`db.orm`), the process's transport (`infra.events`), the event secret and the logger.
 *
 *   background: [outboxRelay(), eventConsumer('hub', handlers)]
 *
 * A subgraph that produces events lists `outboxRelay()`; one that consumes other subgraphs' events lists
 * `eventConsumer(<its name>, handlers)` with the handlers exported by its `src/events/index.ts`. Start the consumer
 * after the relay: tasks stop in reverse order, so the consumer stops first and its handlers' own events still
 * leave with the relay's last round.
 */
import { startEventConsumer, type ConsumerObserver, type EventConsumerOptions } from '../events/consumer.js';
import type { EventHandlers } from '../events/outbox.js';
import { startOutboxRelay, type OutboxRelayOptions, type RelayObserver } from '../events/relay.js';
import type { SubgraphMetrics } from '../metrics/index.js';
import type { SubgraphName } from '../topology/index.js';
import type { BackgroundTask } from './background.js';
import type { SubgraphDeps } from './index.js';

/** Tuning of the relay beyond what the deps give (lib/events/relay.ts has the defaults). */
export type OutboxRelayTuning = Omit<OutboxRelayOptions, 'orm' | 'transport' | 'secret' | 'logger' | 'observer'>;
/** Tuning of the consumer beyond what the deps give (lib/events/consumer.ts and transport.ts have the defaults). */
export type EventConsumerTuning = Omit<
  EventConsumerOptions,
  'group' | 'handlers' | 'orm' | 'transport' | 'secret' | 'logger' | 'observer'
>;

/** Publishes the subgraph's outbox (lib/events/relay.ts). */
export function outboxRelay(tuning: OutboxRelayTuning = {}): BackgroundTask<SubgraphDeps> {
  return {
    name: 'outbox-relay',
    start: (deps) =>
      startOutboxRelay({
        ...tuning,
        orm: deps.db.orm,
        transport: deps.infra.events,
        secret: deps.config.events.secret,
        logger: deps.logger.child({ task: 'outbox-relay' }),
        observer: deps.metrics && relayObserver(deps.metrics),
      }),
  };
}

/**
 * Runs `handlers` as consumer group `group`, the subgraph's own name, so that its replicas share the work and every
 * other subgraph's group gets its own copy of each event (lib/events/consumer.ts).
 */
export function eventConsumer(
  group: SubgraphName,
  /** The handlers, or a function that builds them from the deps (e.g. to log through the subgraph's logger). */
  handlers: EventHandlers | ((deps: SubgraphDeps) => EventHandlers),
  tuning: EventConsumerTuning = {},
): BackgroundTask<SubgraphDeps> {
  return {
    name: 'event-consumer',
    start: (deps) =>
      startEventConsumer({
        ...tuning,
        group,
        handlers: typeof handlers === 'function' ? handlers(deps) : handlers,
        orm: deps.db.orm,
        transport: deps.infra.events,
        secret: deps.config.events.secret,
        logger: deps.logger.child({ task: 'event-consumer', group }),
        observer: deps.metrics && consumerObserver(deps.metrics),
      }),
  };
}

const relayObserver = ({ outboxRelayDelay }: SubgraphMetrics): RelayObserver => ({
  published: (delays) => delays.forEach((seconds) => outboxRelayDelay.observe(seconds)),
});

const consumerObserver = ({ eventHandlingLag }: SubgraphMetrics): ConsumerObserver => ({
  delivered: (outcome, seconds) => eventHandlingLag.observe({ outcome }, seconds),
});
