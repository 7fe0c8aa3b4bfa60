/**
 * The platform's logger: pino, with credentials redacted by field name (redact.ts), SQL logged without
 * its values and every string cut at a limit (sanitize.ts), so that a log line neither leaks a secret nor
 * grows with the input that caused it.
 *
 * Where each part runs, in pino's order for a line:
 * - `hooks.logMethod`: `log.error(err)` and `log.error({ err })` without a message make pino print the
 *   raw `err.message` as `msg`; the hook passes the message without SQL values instead.
 * - `formatters.log`: the one place that sees every field of a line, so it redacts and cuts there, at
 *   any depth, copy-on-write (an ordinary line is walked, not copied). It leaves the fields that have a
 *   serializer (`err`, `req`, `res`, `msg`) to it: serializers run after it and would otherwise be handed
 *   an already-flattened Error, or walk a raw IncomingMessage.
 * - `serializers`: `err` (serializeError), `req`/`res` (pino's standard ones, so that a request is logged
 *   as method, url and headers rather than its socket, then sanitized) and `msg` (cut; no SQL values).
 *
 * `mixin` adds `requestId` to every line written inside a request's async scope (request-scope.ts).
 *
 * Child bindings (`logger.child({ subgraph })`) get the serializers but not `formatters.log` (pino resets
 * the bindings formatter for children): they are context the code sets, not input, so none is needed.
 */
import { pino, stdSerializers, type DestinationStream, type LogFn, type Logger } from 'pino';
import {
  DEFAULT_LOG_LIMITS,
  errorMessage,
  sanitizeFields,
  sanitizeMessage,
  sanitizeValue,
  serializeError,
  type LogLimits,
} from './sanitize.js';
import { currentRequestScope } from './request-scope.js';

export type { Logger, LogLimits };

export interface CreateLoggerOptions {
  /** Where lines go; stdout when absent. Tests pass a stream that collects them. */
  destination?: DestinationStream;
  /** Overrides of the size limits (DEFAULT_LOG_LIMITS in sanitize.ts). */
  limits?: Partial<LogLimits>;
}

/** Creates a logger for one process or component; `name` becomes the `service` field of every line. */
export function createLogger(level: string, name: string, options: CreateLoggerOptions = {}): Logger {
  const limits: LogLimits = { ...DEFAULT_LOG_LIMITS, ...options.limits };
  const serializers = {
    err: (err: unknown) => serializeError(err, limits, 1),
    req: (req: Parameters<typeof stdSerializers.req>[0]) => sanitizeValue(stdSerializers.req(req), limits, 1, 'req'),
    res: (res: Parameters<typeof stdSerializers.res>[0]) => sanitizeValue(stdSerializers.res(res), limits, 1, 'res'),
    msg: (msg: unknown) => sanitizeMessage(msg, limits),
  };
  const serialized: ReadonlySet<string> = new Set(Object.keys(serializers));
  return pino(
    {
      level,
      name,
      base: { service: name },
      // Every line written while a request is handled names it (request-scope.ts); other lines carry nothing.
      mixin: requestIdOfScope,
      serializers,
      formatters: { log: (fields) => sanitizeFields(fields, limits, 0, undefined, serialized) },
      hooks: { logMethod: messageWithoutSqlValues },
    },
    options.destination,
  );
}

function requestIdOfScope(): { requestId?: string } {
  const scope = currentRequestScope();
  return scope ? { requestId: scope.requestId } : {};
}

/** `hooks.logMethod`: gives an error logged without a message its message without SQL values. */
function messageWithoutSqlValues(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const [first] = args;
  if (args.length === 1 && typeof first === 'object' && first !== null) {
    const err: unknown = first instanceof Error ? first : (first as { err?: unknown; msg?: unknown }).err;
    if (err instanceof Error && (first as { msg?: unknown }).msg === undefined) {
      return method.apply(this, [first, errorMessage(err as Error & Record<string, unknown>)]);
    }
  }
  return method.apply(this, args);
}
