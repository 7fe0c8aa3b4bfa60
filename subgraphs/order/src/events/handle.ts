/**
 * The one shape of the order subgraph's event handlers: refuse an unknown version, validate the payload it reads
 * (zod; a malformed payload throws, which dead-letters the event), apply it through OrderProgressService inside the
 * consumer's transaction, and log what happened. A race the state machine refuses (a duplicate, a late event on a
 * finished order) is logged and returns normally, so it is acknowledged, never retried into the dead letters.
 */
import type { z } from 'zod';
import type { EntityManager } from '@mikro-orm/core';
import type { EventEnvelope } from '../../../../lib/events/index.js';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import type { Logger } from '../../../../lib/logger/index.js';
import type { OrderOutcome } from '../services/order-progress.service.js';

/** The payload version these handlers understand (docs/events.md §3). */
export const HANDLED_VERSION = 1;

export function orderEventHandler<S extends z.ZodType>(
  schema: S,
  apply: (data: z.infer<S>, em: EntityManager) => Promise<OrderOutcome>,
  logger: Logger,
): EventHandler {
  return async (event: EventEnvelope, em: EntityManager) => {
    if (event.version !== HANDLED_VERSION) {
      throw new Error(`${event.type} version ${event.version} is not understood (expected ${HANDLED_VERSION})`);
    }
    const outcome = await apply(schema.parse(event.data), em);
    const fields = { eventId: event.id, type: event.type, ...outcome };
    if (outcome.applied) logger.info(fields, `${event.type}: order ${outcome.from} → ${outcome.to}`);
    else if (outcome.why === 'UNKNOWN_ORDER' || outcome.why === 'NOT_CANCELLABLE') {
      logger.warn(fields, `${event.type} acknowledged and ignored: ${outcome.why}`);
    } else logger.info(fields, `${event.type} acknowledged and ignored: ${outcome.why}`);
  };
}
