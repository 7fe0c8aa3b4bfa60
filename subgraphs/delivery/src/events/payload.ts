/**
 * The edge of every handler: the envelope's version must be one this subgraph reads, and the payload must have the
 * shape it declares (zod). Anything else throws, which dead-letters the event after its retries: a malformed fact
 * is looked at by a person, never half-applied.
 */
import type { z } from 'zod';
import type { EventEnvelope } from '../../../../lib/events/index.js';

export function readPayload<S extends z.ZodType>(schema: S, event: EventEnvelope): z.infer<S> {
  if (event.version !== 1) throw new Error(`${event.type} version ${event.version} is not understood (only 1)`);
  return schema.parse(event.data);
}
