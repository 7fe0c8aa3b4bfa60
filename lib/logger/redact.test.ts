import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { PASSPORT_HEADER } from '../auth/tokens.js';
import { createLogger, type CreateLoggerOptions } from './index.js';
import { REDACT_CENSOR, isSecretField } from './redact.js';
import { sanitizeFields, stripSqlValues } from './sanitize.js';

const HASH = 'scrypt$32768$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5';
const USER_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/** A logger whose lines are kept, raw and parsed. */
function capture(options: Omit<CreateLoggerOptions, 'destination'> = {}) {
  const raw: string[] = [];
  const log = createLogger('debug', 'test', {
    ...options,
    destination: { write: (line: string) => void raw.push(line) },
  });
  return {
    log,
    raw,
    /** The only line written so far, parsed. */
    line(): Record<string, any> {
      assert.equal(raw.length, 1, 'one line written');
      return JSON.parse(raw[0]!);
    },
  };
}

/** A knex/MikroORM-style driver error: statement with its values interpolated, then the server's message. */
function dataTooLong(): Error {
  const sql = `insert into \`users\` (\`id\`, \`password_hash\`) values ('${USER_ID}', '${HASH}')`;
  return Object.assign(new Error(`${sql} - Data too long for column 'password_hash' at row 1`), {
    code: 'ER_DATA_TOO_LONG',
    errno: 1406,
    sqlState: '22001',
    sqlMessage: "Data too long for column 'password_hash' at row 1",
    sql: `${sql} - parameters:[]`,
    parameters: [USER_ID, HASH],
  });
}

test('the Authorization, Cookie and passport headers of a request are redacted', () => {
  const { log, line } = capture();
  const headers = {
    authorization: 'Bearer eyJhbGciOi.x.y',
    cookie: 'sid=abc',
    [PASSPORT_HEADER]: 'eyJp.a.b',
    host: 'hub',
  };
  log.info({
    req: { method: 'POST', url: '/graphql', headers },
    headers,
    outgoing: { headers: { Authorization: 'Bearer z' } },
  });
  const l = line();
  assert.deepEqual(l.req.headers, {
    authorization: REDACT_CENSOR,
    cookie: REDACT_CENSOR,
    [PASSPORT_HEADER]: REDACT_CENSOR,
    host: 'hub',
  });
  assert.equal(l.req.method, 'POST');
  assert.equal(l.headers.authorization, REDACT_CENSOR);
  assert.equal(l.outgoing.headers.Authorization, REDACT_CENSOR);
});

test('passwords, hashes and tokens are redacted at the top level and nested', () => {
  const { log, raw, line } = capture();
  log.info({
    password: 'hunter2',
    token: 'refresh-1',
    input: { username: 'alice', password: 'hunter3', newPassword: 'hunter4' },
    user: { id: 'u1', passwordHash: HASH, session: { accessToken: 'a.b.c', refreshToken: 'r-2' } },
    rows: [{ password_hash: HASH }],
    config: { auth: { jwtSecret: 'j'.repeat(40), passportSecret: 'p'.repeat(40), accessTokenTtlSeconds: 900 } },
  });
  const l = line();
  assert.equal(l.password, REDACT_CENSOR);
  assert.equal(l.token, REDACT_CENSOR);
  assert.deepEqual(l.input, { username: 'alice', password: REDACT_CENSOR, newPassword: REDACT_CENSOR });
  assert.deepEqual(l.user, {
    id: 'u1',
    passwordHash: REDACT_CENSOR,
    session: { accessToken: REDACT_CENSOR, refreshToken: REDACT_CENSOR },
  });
  assert.deepEqual(l.rows, [{ password_hash: REDACT_CENSOR }]);
  assert.deepEqual(l.config.auth, {
    jwtSecret: REDACT_CENSOR,
    passportSecret: REDACT_CENSOR,
    accessTokenTtlSeconds: 900,
  });
  for (const secret of ['hunter', HASH, 'a.b.c', 'r-2', 'refresh-1', 'jjjj', 'pppp'])
    assert.ok(!raw[0]!.includes(secret), secret);
});

test('pickup codes are redacted, error codes are kept', () => {
  const { log, line } = capture();
  const err = Object.assign(new Error('Invalid pickup code'), { code: 'INVALID_PICKUP_CODE' });
  log.warn({ code: '482913', input: { lockerId: 'l1', code: '482913', pin: '1234' }, command: { qrToken: 'q' }, err });
  const l = line();
  assert.equal(l.code, REDACT_CENSOR);
  assert.deepEqual(l.input, { lockerId: 'l1', code: REDACT_CENSOR, pin: REDACT_CENSOR });
  assert.equal(l.command.qrToken, REDACT_CENSOR);
  assert.equal(l.err.code, 'INVALID_PICKUP_CODE');
  assert.ok(isSecretField('deviceKey', 'variables') && !isSecretField('code', 'extensions'));
});

test('a driver error is logged with its SQL but without the values, and keeps code, errno and sqlState', () => {
  const { log, raw, line } = capture();
  log.error({ err: dataTooLong() }, 'unexpected error in resolver');
  assert.ok(!raw[0]!.includes(HASH) && !raw[0]!.includes('scrypt') && !raw[0]!.includes(USER_ID), raw[0]);
  const { err, msg } = line();
  assert.equal(msg, 'unexpected error in resolver');
  assert.equal(
    err.message,
    "insert into `users` (`id`, `password_hash`) values (?, ?) - Data too long for column 'password_hash' at row 1",
  );
  assert.equal(err.sql, 'insert into `users` (`id`, `password_hash`) values (?, ?)');
  assert.equal(err.sqlMessage, "Data too long for column 'password_hash' at row 1");
  assert.match(err.stack, /^Error: insert into `users` .* values \(\?, \?\) - Data too long/);
  assert.deepEqual([err.type, err.code, err.errno, err.sqlState], ['Error', 'ER_DATA_TOO_LONG', 1406, '22001']);
  assert.equal(err.parameters, undefined);
});

test('an error logged without a message, or as the cause of another, does not leak its values either', () => {
  const { log, raw } = capture();
  log.error(dataTooLong());
  log.error({ err: dataTooLong() });
  log.error({ err: new Error('could not record presence', { cause: dataTooLong() }) }, 'failed');
  log.error({ context: { error: dataTooLong() } }, 'nested');
  assert.equal(raw.length, 4);
  for (const line of raw) {
    assert.ok(!line.includes('scrypt'), line);
    assert.match(line, /Data too long for column 'password_hash'/);
  }
  assert.match(JSON.parse(raw[0]!).msg, /values \(\?, \?\) - Data too long/);
  assert.match(JSON.parse(raw[2]!).err.message, /^could not record presence: insert into `users`/);
});

test('stripSqlValues replaces literals, keeps identifiers and the names drivers quote', () => {
  const cases: [string, string][] = [
    [
      "select * from `t` where `a` = 'x' and `b` in ('p', 12345678) and c = X'0aff' and d = 0xDEAD limit 10",
      'select * from `t` where `a` = ? and `b` in (?, ?) and c = ? and d = ? limit 10',
    ],
    ["insert into t values ('it\\'s', 'it''s', \"dq\") - parameters:['it\\'s', 'x']", 'insert into t values (?, ?, ?)'],
    // MariaDB echoes values in some messages, quotes included, and names columns and keys in others.
    ["Duplicate entry 'o'brien' for key 'users_username_unique'", "Duplicate entry ? for key 'users_username_unique'"],
    [
      "Incorrect integer value: 'abc' for column `db`.`t`.`n` at row 1",
      'Incorrect integer value: ? for column `db`.`t`.`n` at row 1',
    ],
    ["Column 'name' cannot be null", "Column 'name' cannot be null"],
    // The mariadb connector cuts a long statement at 256 chars, inside a literal.
    [
      `sql: insert into t values ('${'k'.repeat(300)}... - parameters:[]\n    at x (f.js:1:2)`,
      'sql: insert into t values (?\n    at x (f.js:1:2)',
    ],
    // SQLite quotes the bad token, part of a value, in double quotes.
    [
      `insert into \`t\` values ('x\u0000${HASH}') - unrecognized token: "'x"`,
      'insert into `t` values (?) - unrecognized token: ?',
    ],
  ];
  for (const [input, expected] of cases) assert.equal(stripSqlValues(input), expected);
});

test('a 100 KB string field is cut with a marker, and the line stays under 8 KB', () => {
  const { log, raw, line } = capture();
  log.info(
    { input: { name: 'x'.repeat(100_000) }, list: Array.from({ length: 1000 }, (_, i) => i) },
    'z'.repeat(100_000),
  );
  assert.ok(Buffer.byteLength(raw[0]!) < 8 * 1024, `line is ${raw[0]!.length} chars`);
  const l = line();
  assert.equal(l.input.name, `${'x'.repeat(1024)}…[+98976 chars]`);
  assert.equal(l.msg, `${'z'.repeat(1024)}…[+98976 chars]`);
  assert.equal(l.list.length, 101);
  assert.equal(l.list.at(-1), '…[+900 items]');
});

test('a 100 KB input inside an error message is cut in the message and the stack', () => {
  const { log, raw, line } = capture();
  const big = 'v'.repeat(100_000);
  log.error({ err: new Error(`cannot parse ${big}`) });
  log.error({
    err: Object.assign(new Error(`insert into \`t\` (\`v\`) values ('${big}') - Data too long`), {
      code: 'ER_DATA_TOO_LONG',
    }),
  });
  for (const l of raw) assert.ok(Buffer.byteLength(l) < 8 * 1024, `line is ${l.length} chars`);
  const { err, msg } = JSON.parse(raw[0]!);
  const cut = `cannot parse ${big}`.length - 1024;
  assert.equal(err.message, `cannot parse ${big.slice(0, 1024 - 13)}…[+${cut} chars]`);
  assert.equal(msg, err.message);
  assert.ok(err.stack.startsWith(`Error: cannot parse ${big.slice(0, 1024 - 20)}…[+${cut + 7} chars]\n    at `));
  raw.shift();
  assert.equal(line().err.message, 'insert into `t` (`v`) values (?) - Data too long');
});

test('ordinary lines are written as pino writes them, and their objects are not copied', () => {
  const fields = {
    url: 'http://127.0.0.1:4001/graphql',
    n: 3,
    ok: true,
    at: null,
    tags: ['a', 'b'],
    nested: { a: { b: 1 } },
  };
  assert.equal(sanitizeFields(fields), fields);

  const ours = capture();
  const plainLines: string[] = [];
  const plain = pino(
    { level: 'debug', name: 'test', base: { service: 'test' } },
    { write: (l: string) => void plainLines.push(l) },
  );
  for (const logger of [ours.log, plain]) {
    logger.info(fields, 'subgraph ready at 100%');
    logger.child({ subgraph: 'user' }).warn('hello %s', 'world');
    logger.error({ err: new Error('Supergraph names an unknown subgraph "x"') });
  }
  // Lines differ in their time only.
  const withoutTime = (lines: string[]) => lines.map((l) => l.replace(/"time":\d+,/, ''));
  assert.deepEqual(withoutTime(ours.raw), withoutTime(plainLines));
});
