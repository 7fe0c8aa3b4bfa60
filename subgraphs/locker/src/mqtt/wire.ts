/**
 * Payload limits and JSON parsing shared by the device messages. A payload is refused before it is parsed when it
 * is larger than any honest message (a state of 64 compartments is about 4 KiB).
 */
import { z } from 'zod';

/** Largest device payload accepted, in bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** Unix epoch milliseconds. */
export const EpochMs = z.number().int().nonnegative();

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: 'oversized' | 'malformed' };

/** Parses and validates a JSON payload against `schema` (unknown fields are ignored, as the protocol says). */
export function parsePayload<T>(payload: Buffer, schema: z.ZodType<T>): Parsed<T> {
  if (payload.length > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'oversized' };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, reason: 'malformed' };
}
