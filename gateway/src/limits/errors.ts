/**
 * Every refusal is a GraphQLError with a stable `extensions.code`. A limit's refusal also carries the limit as
 * `extensions.limit` and, when it was measured, the offending value as `extensions.actual`, so that a client can
 * read both without parsing the message. Units are the limit's own (tokens, levels, bytes, milliseconds).
 */
import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../../../lib/errors/index.js';

/** A request refused for what it is (its shape or transport), not for a number it exceeds. */
export const requestError = (code: ErrorCode, message: string) => new GraphQLError(message, { extensions: { code } });

/** A limit exceeded. `actual` is left out when counting stopped at the limit (a parse aborted, a timer fired). */
export function limitError(code: ErrorCode, message: string, limit: number, actual?: number): GraphQLError {
  // Fragments can multiply counts past 2^53; an exact figure that large means nothing to a client.
  const measured = actual === undefined ? {} : { actual: Math.min(actual, Number.MAX_SAFE_INTEGER) };
  return new GraphQLError(message, { extensions: { code, limit, ...measured } });
}
