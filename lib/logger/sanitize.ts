/**
 * Keeps values out of log lines and log lines small: SQL is logged without its values (drivers put the
 * whole statement, bound values interpolated, into error messages), and every string is cut at a limit.
 *
 * Database errors are recognised by shape, not class: MikroORM's DriverException subclasses copy the
 * driver error's own properties (`sql`, `sqlMessage`, `sqlState`, `code`), and raw driver errors (the
 * `mariadb` connector's SqlError, mysql2's Error, libsql's SqliteError) reach logs too, from
 * `em.getConnection().execute()` or lib/orm's own connections. It also keeps @mikro-orm/core out of the
 * gateway, which logs through this module but has no database.
 */
import { stdSerializers } from 'pino';
import { REDACT_CENSOR, isSecretField } from './redact.js';

export interface LogLimits {
  /** Longest string kept whole; longer ones are cut and marked `…[+N chars]`. */
  maxStringLength: number;
  /** Longest stack kept; each of its lines is also cut at maxStringLength. */
  maxStackLength: number;
  /** Objects and arrays nested deeper are logged as `[Object]` / `[Array]` (pino's own depth limit). */
  maxDepth: number;
  /** Array items and object keys kept; the rest is counted in a marker. */
  maxItems: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = {
  maxStringLength: 1024,
  maxStackLength: 4096,
  maxDepth: 5,
  maxItems: 100,
};

/** Cuts `text` after `max` characters (never inside a surrogate pair) and says how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…[+${text.length - end} chars]`;
}

// ---------------------------------------------------------------------------------------------------
// SQL without values

/** A SQL statement in free text (a message not from a driver). Quantifiers are bounded: no backtracking blow-up. */
const SQL_HINT = new RegExp(
  [
    /\b(?:insert\s+(?:ignore\s+)?|replace\s+)into\b/,
    /\bdelete\s+from\b/,
    /\bupdate\s+[\w`".]{1,130}\s+set\b/,
    /\bselect\s[^;]{0,500}?\bfrom\b/,
    /\bvalues\s*\(/,
  ]
    .map((part) => part.source)
    .join('|'),
  'i',
);

/**
 * Driver messages that echo a value, whatever quotes it contains (MariaDB/MySQL: "Duplicate entry 'a'b' for
 * key 'x'", "Incorrect integer value: 'abc' for column `db`.`t`.`n` at row 1", "Truncated incorrect DOUBLE
 * value: 'abc'"), and the `mariadb` connector's ` - parameters:[…]` suffix listing bound values.
 */
const ECHOED_VALUE = /(Duplicate entry |value: )'[^\n]*?'(?= for (?:key|column) | at row |\n|$)/g;
const PARAMETERS_SUFFIX = / - parameters:(?:\[[^\n]*\]|\{[^\n]*\})/g;

/** One left-to-right scan over the tokens that matter: a quote inside an identifier or a literal misleads nothing. */
const SQL_TOKEN = new RegExp(
  [
    /`(?:[^`]|``)*`/, // `identifier`: kept
    /\b[xXbB]'[^'\n]*'/, // X'0aff', b'0101'
    // 'literal' with MySQL \' and SQL '' escapes; an unterminated one (the mariadb connector cuts statements
    // at 256 chars) runs to the end of its line.
    /'(?:[^'\\]|\\[\s\S]|'')*'|'[^\n]*/,
    /"(?:[^"\\]|\\[\s\S]|"")*"|"[^\n]*/, // "literal" (MySQL), "token" quoted in SQLite messages
    /\b0x[0-9a-fA-F]+\b/,
    /\b\d{6,}(?:\.\d+)?\b/, // long numbers: ids, timestamps, phone numbers; not `limit 10` or `row 1`
  ]
    .map((part) => part.source)
    .join('|'),
  'g',
);

/** A quoted word right after these is a name, not a value ("Data too long for column 'name'", "for key 'x'"). */
const NAME_BEFORE = /\b(?:column|key|table|constraint|index|database|schema|field|in)\s+$/i;

/**
 * Replaces the values in SQL text (a statement, or a driver message quoting one) with `?`, keeping
 * identifiers, keywords, placeholders, short numbers and the names drivers quote in their messages.
 */
export function stripSqlValues(text: string): string {
  return text
    .replace(PARAMETERS_SUFFIX, '')
    .replace(ECHOED_VALUE, '$1?')
    .replace(SQL_TOKEN, (token: string, offset: number, whole: string) => {
      if (token.startsWith('`')) return token;
      const quoted = token.startsWith("'") || token.startsWith('"');
      return quoted && NAME_BEFORE.test(whole.slice(Math.max(0, offset - 12), offset)) ? token : '?';
    });
}

/** Whether free text looks like it carries a SQL statement (and so may carry values). */
export function looksLikeSql(text: string): boolean {
  return SQL_HINT.test(text);
}

type ErrorLike = Error & Record<string, unknown>;

const isErrorLike = (value: unknown): value is ErrorLike =>
  typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';

/** Properties that only driver errors have, and error codes only drivers use. */
const DB_ERROR_PROPS = ['sql', 'sqlMessage', 'sqlState'] as const;
const DB_ERROR_CODE = /^(?:ER_|SQLITE_|LIBSQL_)/;

/** Whether `err` came from a database driver, directly or wrapped by MikroORM. */
export function isDatabaseError(err: object): boolean {
  const code = (err as { code?: unknown }).code;
  return DB_ERROR_PROPS.some((p) => p in err) || (typeof code === 'string' && DB_ERROR_CODE.test(code));
}

/** Whether `err` or an error in its `cause` chain is a database error (pino inlines causes' messages). */
function chainHasDatabaseError(err: ErrorLike): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = err; isErrorLike(e) && !seen.has(e); e = e.cause) {
    if (isDatabaseError(e)) return true;
    seen.add(e);
  }
  return false;
}

/** Properties that hold a statement's bound values; dropped from errors whatever they contain. */
const BOUND_VALUE_PROPS = new Set(['parameters', 'params', 'bindings', 'values']);

// ---------------------------------------------------------------------------------------------------
// Values, errors, messages

/**
 * Returns `value` ready for a log line: credentials redacted by field name (redact.ts), every string cut
 * at the limit, too-deep objects and long arrays shortened, byte buffers summarised, errors serialized by
 * serializeError. Copy-on-write: an object in which nothing changes is returned as it is, so an ordinary
 * line costs a walk and no allocation. `parent` is the key `value` sits under (see isSecretField).
 */
export function sanitizeValue(
  value: unknown,
  limits: LogLimits = DEFAULT_LOG_LIMITS,
  depth = 0,
  parent?: string,
): unknown {
  if (typeof value === 'string') return truncate(value, limits.maxStringLength);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return serializeError(value, limits, depth);
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  // What JSON.stringify would print instead (a Date's string, an entity's plain object), sanitized too.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    return json === value ? value : sanitizeValue(json, limits, depth + 1, parent);
  }
  if (depth >= limits.maxDepth) return Array.isArray(value) ? '[Array]' : '[Object]';

  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    const n = Math.min(value.length, limits.maxItems);
    for (let i = 0; i < n; i++) {
      const item = sanitizeValue(value[i], limits, depth + 1, parent);
      if (!copy && item !== value[i]) copy = value.slice(0, i);
      copy?.push(item);
    }
    if (value.length <= n) return copy ?? value;
    return [...(copy ?? value.slice(0, n)), `…[+${value.length - n} items]`];
  }
  return sanitizeFields(value as Record<string, unknown>, limits, depth, parent);
}

/**
 * sanitizeValue over an object's fields (at most maxItems of them); `record` itself when nothing changes.
 * `depth` and `parent` are the object's own; skipped fields are left as they are, for a serializer.
 */
export function sanitizeFields(
  record: Record<string, unknown>,
  limits: LogLimits = DEFAULT_LOG_LIMITS,
  depth = 0,
  parent?: string,
  skip?: ReadonlySet<string>,
): Record<string, unknown> {
  const keys = Object.keys(record);
  const n = Math.min(keys.length, limits.maxItems);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const value = record[key];
    if (skip?.has(key)) {
      if (copy) copy[key] = value;
      continue;
    }
    const sanitized =
      value != null && isSecretField(key, parent) ? REDACT_CENSOR : sanitizeValue(value, limits, depth + 1, key);
    if (!copy && sanitized !== value) copy = pick(record, keys, i);
    if (copy) copy[key] = sanitized;
  }
  if (keys.length <= n) return copy ?? record;
  return { ...(copy ?? pick(record, keys, n)), '…': `[+${keys.length - n} keys]` };
}

/** A plain copy of `record` holding its first `n` keys. */
function pick(record: Record<string, unknown>, keys: string[], n: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) copy[keys[i]!] = record[keys[i]!];
  return copy;
}

/** Cuts each line of a stack (the first ones repeat the message) and then the whole stack. */
function limitStack(stack: string, limits: LogLimits): string {
  if (stack.length <= limits.maxStringLength) return stack;
  const lines = stack.split('\n').map((line) => truncate(line, limits.maxStringLength));
  return truncate(lines.join('\n'), limits.maxStackLength);
}

/** Text of an error: without SQL values when it comes from a database or quotes a statement. */
const errorText = (text: string, fromDatabase: boolean) =>
  fromDatabase || looksLikeSql(text) ? stripSqlValues(text) : text;

/**
 * The message pino would print for `log.error(err)` / `log.error({ err })`, without SQL values (not cut:
 * the `msg` serializer cuts it). Used by createLogger's logMethod hook.
 */
export function errorMessage(err: ErrorLike): string {
  return errorText(err.message, chainHasDatabaseError(err));
}

/**
 * pino `serializers.err`: pino's standard serializer (type, message and stack with their causes inlined,
 * own properties), then for errors from a database, or whose text quotes SQL, SQL without values in every
 * string and no bound-value properties; credentials among the properties redacted, errors nested in them
 * given the same treatment, and every string cut at the limit.
 */
export function serializeError(err: unknown, limits: LogLimits = DEFAULT_LOG_LIMITS, depth = 0): unknown {
  // Whatever else is logged as `err` is sanitized as the field it is.
  if (!isErrorLike(err)) return sanitizeValue(err, limits, depth, 'err');
  if (depth >= limits.maxDepth) return '[Error]';
  const fromDatabase = chainHasDatabaseError(err);
  const text = (value: string) => truncate(errorText(value, fromDatabase), limits.maxStringLength);
  const out = stdSerializers.err(err) as unknown as Record<string, unknown>;
  out.message = text(String(out.message));
  out.stack = limitStack(errorText(String(out.stack ?? ''), fromDatabase), limits);
  if (Array.isArray(err.errors)) out.aggregateErrors = sanitizeValue(err.errors, limits, depth + 1);
  for (const key of Object.keys(out)) {
    if (key === 'type' || key === 'message' || key === 'stack' || key === 'aggregateErrors') continue;
    // The standard serializer copied the raw value, or serialized a nested error its own way: redo it from the raw one.
    const value = err[key];
    if (fromDatabase && BOUND_VALUE_PROPS.has(key)) delete out[key];
    else if (value != null && isSecretField(key, 'err')) out[key] = REDACT_CENSOR;
    else out[key] = typeof value === 'string' ? text(value) : sanitizeValue(value, limits, depth + 1, key);
  }
  return out;
}

/** pino `serializers.msg`: a message is cut at the limit, and loses its values when it quotes SQL. */
export function sanitizeMessage(msg: unknown, limits: LogLimits = DEFAULT_LOG_LIMITS): unknown {
  if (typeof msg !== 'string') return msg;
  return truncate(looksLikeSql(msg) ? stripSqlValues(msg) : msg, limits.maxStringLength);
}
