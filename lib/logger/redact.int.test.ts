/**
 * The error serializer against the errors MikroORM and the drivers really throw (MariaDB through the
 * `mariadb` connector, SQLite through libsql), rather than hand-made look-alikes: each carries the bound
 * value in its message, and the logged line must not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DriverException,
  MikroORM,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
  defineEntity,
  p,
  type Options,
} from '@mikro-orm/core';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { MySqlDriver } from '@mikro-orm/mysql';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { testServiceUrls } from '../config/index.js';
import { dropMysqlDatabases, prepareMysqlDatabase } from '../orm/index.js';
import { createLogger } from './index.js';

const Account = defineEntity({
  name: 'Account',
  tableName: 'accounts',
  properties: {
    id: p.string().length(36).primary(),
    name: p.string().length(20).unique(),
    passwordHash: p.string().length(40),
  },
});

/** A fake scrypt hash, too long for its 40-char column; random, so that finding it in a line means a leak. */
const fakeHash = () =>
  `scrypt$32768$8$1$${randomBytes(8).toString('base64url')}$${randomBytes(32).toString('base64url')}`;

/** Logs `err` the two ways the code base does, and returns the lines. */
function logged(err: unknown): string[] {
  const lines: string[] = [];
  const log = createLogger('info', 'test', { destination: { write: (line: string) => void lines.push(line) } });
  log.error({ err }, 'unexpected error in resolver');
  log.error(err);
  return lines;
}

/** What a real error carried, and that its lines keep what matters but not `secret`. */
function assertLoggedWithout(err: unknown, secret: string, keep: (string | RegExp)[]): Record<string, any> {
  assert.ok(err instanceof Error && err.message.includes(secret), 'the driver error carries the value');
  for (const line of logged(err)) {
    assert.ok(!line.includes(secret), `value leaked: ${line}`);
    for (const k of keep)
      assert.match(line, typeof k === 'string' ? new RegExp(k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : k);
    assert.ok(Buffer.byteLength(line) < 8 * 1024, `line is ${line.length} chars`);
  }
  return JSON.parse(logged(err)[0]!).err;
}

/** The error a promise rejects with. */
async function thrown(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

const common: Options = { entities: [Account], allowGlobalContext: true, debug: false };

describe('driver errors from MariaDB are logged without their values', () => {
  const url = testServiceUrls().databaseUrl;
  const dbName = `hgtest_log_${randomBytes(4).toString('hex')}`;
  let orm: MikroORM | undefined;

  before(async () => {
    const flavor = await prepareMysqlDatabase(url, dbName);
    const driver = (flavor === 'mariadb' ? MariaDbDriver : MySqlDriver) as typeof MariaDbDriver;
    orm = await MikroORM.init({ ...common, driver, clientUrl: url, dbName });
    await orm.schema.createSchema();
  });
  after(async () => {
    await orm?.close(true);
    await dropMysqlDatabases(url, [dbName]).catch(() => undefined);
  });

  test('a value too long for its column (ER_DATA_TOO_LONG)', async () => {
    const hash = fakeHash();
    const err = await thrown(() => orm!.em.fork().insert(Account, { id: 'a1', name: 'alice', passwordHash: hash }));
    assert.ok(err instanceof DriverException);
    const logged = assertLoggedWithout(err, hash, ["Data too long for column 'password_hash' at row 1", 'accounts']);
    assert.deepEqual([logged.code, logged.errno, logged.sqlState], ['ER_DATA_TOO_LONG', 1406, '22001']);
    assert.match(logged.sql, /^insert into `accounts` \(`id`, `name`, `password_hash`\) values \(\?, \?, \?\)$/);
  });

  test('a duplicate unique value, which MariaDB echoes in its own message', async () => {
    const em = orm!.em.fork();
    const name = `u${randomBytes(6).toString('hex')}`;
    await em.insert(Account, { id: 'b1', name, passwordHash: 'h' });
    const err = await thrown(() => em.insert(Account, { id: 'b2', name, passwordHash: 'h' }));
    assert.ok(err instanceof UniqueConstraintViolationException);
    const logged = assertLoggedWithout(err, name, ['accounts_name_unique', 'ER_DUP_ENTRY']);
    assert.equal(logged.sqlMessage, "Duplicate entry ? for key 'accounts_name_unique'");
  });

  test('a raw statement with bound parameters, whose error MikroORM does not convert', async () => {
    const hash = fakeHash();
    const err = await thrown(() =>
      orm!.em
        .getConnection()
        .execute('insert into accounts (id, name, password_hash) values (?, ?, ?)', ['c1', 'carol', hash]),
    );
    assertLoggedWithout(err, hash, ['password_hash', 'ER_DATA_TOO_LONG']);
  });

  test('a 100 KB value, through a flush', async () => {
    const em = orm!.em.fork();
    const big = `scrypt$${randomBytes(75_000).toString('base64url')}`;
    em.create(Account, { id: 'd1', name: 'dave', passwordHash: big });
    const err = await thrown(() => em.flush());
    assertLoggedWithout(err, big.slice(0, 200), ["Data too long for column 'password_hash'"]);
  });
});

describe('driver errors from SQLite (libsql) are logged without their values', () => {
  let orm: MikroORM | undefined;

  before(async () => {
    orm = await MikroORM.init({ ...common, driver: LibSqlDriver, dbName: ':memory:' });
    await orm.schema.createSchema();
  });
  after(async () => {
    await orm?.close(true);
  });

  test('a NUL byte in a value breaks the statement and SQLite quotes part of it', async () => {
    const hash = fakeHash();
    const err = await thrown(() =>
      orm!.em.fork().insert(Account, { id: 'a1', name: 'a', passwordHash: `x\u0000${hash}` }),
    );
    assert.ok(err instanceof DriverException);
    const logged = assertLoggedWithout(err, hash, ['SQLITE_ERROR', 'unrecognized token: ?', 'accounts']);
    assert.equal(logged.type, 'DriverException');
  });

  test('a duplicate unique value (SQLITE_CONSTRAINT_UNIQUE)', async () => {
    const em = orm!.em.fork();
    const hash = fakeHash();
    await em.insert(Account, { id: 'b1', name: 'bob', passwordHash: 'h' });
    const err = await thrown(() => em.insert(Account, { id: 'b2', name: 'bob', passwordHash: hash }));
    assert.ok(err instanceof UniqueConstraintViolationException);
    assertLoggedWithout(err, hash, ['UNIQUE constraint failed: accounts.name', 'SQLITE_CONSTRAINT_UNIQUE']);
  });

  test('a NOT NULL violation, converted and raw', async () => {
    const hash = fakeHash();
    const converted = await thrown(() =>
      orm!.em.fork().insert(Account, { id: 'c1', name: null as unknown as string, passwordHash: hash }),
    );
    assert.ok(converted instanceof NotNullConstraintViolationException);
    assertLoggedWithout(converted, hash, ['NOT NULL constraint failed: accounts.name']);
    const raw = await thrown(() =>
      orm!.em
        .getConnection()
        .execute('insert into accounts (id, name, password_hash) values (?, ?, ?)', ['c2', null, hash]),
    );
    assert.ok(!(raw instanceof DriverException), 'a raw libsql error');
    assertLoggedWithout(raw, hash, ['NOT NULL constraint failed: accounts.name', 'SQLITE_CONSTRAINT_NOTNULL']);
  });
});
