/**
 * Signed envelopes (docs/events.md §3): HMAC-SHA256, base64url, over the canonical JSON of every field but
 * `signature`. Canonical = keys sorted at every depth, no whitespace, JSON's own rules otherwise, so the producer's
 * object and the consumer's parsed copy give the same text.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EventEnvelope } from './envelope.js';

/** JSON with object keys sorted at every depth and no whitespace; what `JSON.stringify` drops, it drops. */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .filter((k) => record[k] !== undefined && typeof record[k] !== 'function')
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function mac(envelope: EventEnvelope, secret: string): Buffer {
  const { signature: _signature, ...fields } = envelope;
  return createHmac('sha256', secret).update(canonicalJson(fields)).digest();
}

/** The envelope with its `signature` (a copy; any earlier signature is replaced). */
export function signEvent<E extends EventEnvelope>(envelope: E, secret: string): E {
  return { ...envelope, signature: mac(envelope, secret).toString('base64url') };
}

/** Whether the envelope carries a valid signature for `secret`, compared in constant time. */
export function verifyEvent(envelope: EventEnvelope, secret: string): boolean {
  if (typeof envelope.signature !== 'string') return false;
  const given = Buffer.from(envelope.signature, 'base64url');
  const expected = mac(envelope, secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
