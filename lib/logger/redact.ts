/**
 * Which fields of a log line hold a credential, so that sanitize.ts replaces their values with
 * REDACT_CENSOR wherever they appear: at the top level, nested in objects and arrays, in an error's
 * properties, in a request's headers. Values inside free text (an error message, a SQL statement) are
 * sanitize.ts's other business.
 *
 * Not pino's `redact` option: in pino 10 (@pinojs/redact) the wildcard paths this list would need
 * (`password`, `*.password`, `*.*.password` for each name, ~65 paths) cost ~70 µs on every line against
 * ~1.5 µs for the line itself, and still miss a third level or another spelling. The check here runs in
 * the walk that already cuts long strings (a Set lookup per key) and matches names whatever their case,
 * dashes or underscores: `passwordHash`, `password_hash` (a raw row), `Authorization`, `x-hubgraph-passport`.
 */

/** What a redacted value is replaced with (pino's own censor). */
export const REDACT_CENSOR = '[Redacted]';

/** Lowercase, without `-` and `_`: the form names are compared in. */
const normalize = (name: string) => name.replace(/[-_]/g, '').toLowerCase();

/** Names whose value is a credential wherever they appear. */
const SECRET_FIELDS = new Set(
  [
    // What a user types or holds (signUp/signIn input, AuthPayload, refreshToken(token:)) and its stored hash.
    'password',
    'newPassword',
    'passwordHash',
    'token',
    'accessToken',
    'refreshToken',
    // Process secrets (Config.auth.jwtSecret / passportSecret, API keys) and the passport the gateway signs.
    'secret',
    'jwtSecret',
    'passportSecret',
    'passport',
    'apiKey',
    // Locker credentials: a device's key and what opens a compartment (`code` is below, it is ambiguous).
    'deviceKey',
    'pin',
    'qrToken',
    // Request and response headers: the bearer token, session cookies and the gateway's passport
    // (PASSPORT_HEADER in lib/auth/tokens.ts; redact.test.ts checks that they agree).
    'authorization',
    'cookie',
    'set-cookie',
    'x-hubgraph-passport',
  ].map(normalize),
);

// A bare `key` is not listed: here it names Redis keys, idempotency keys and @key fields, which are not
// secrets and are what one greps logs for. Secret keys carry a prefix (apiKey, deviceKey).

/**
 * `code` is a pickup code in a mutation's input, arguments or variables and in a device command, but
 * also an error's code (`err.code` = 'ER_DUP_ENTRY', `extensions.code`), which logs must keep. So it is
 * redacted only at the top level of a line and inside the objects pickup codes travel in.
 */
const PICKUP_CODE_PARENTS = new Set(['input', 'args', 'variables', 'payload', 'command']);

/** Normalized answers per name: a line's keys repeat from line to line. Bounded, so odd keys cannot grow it. */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 2000;

/**
 * Whether the value of field `key` must be redacted; `parent` is the key of the object that holds it
 * (undefined at the top level of a line, and for array items the array's own key).
 */
export function isSecretField(key: string, parent: string | undefined): boolean {
  if (key === 'code') return parent === undefined || PICKUP_CODE_PARENTS.has(parent);
  let secret = verdicts.get(key);
  if (secret === undefined) {
    secret = SECRET_FIELDS.has(normalize(key));
    if (verdicts.size < MAX_VERDICTS) verdicts.set(key, secret);
  }
  return secret;
}
