/**
 * One way to open a subgraph's database, whatever it runs on:
 * - MySQL 8 / MariaDB: database `<prefix>_<subgraph>` on the server in DATABASE_URL, created when
 *   missing, schema from the subgraph's committed migrations. The driver follows the server
 *   (docs/architecture.md §11: @mikro-orm/mysql mangles JSON on MariaDB and its diff never settles there).
 * - Embedded: one SQLite file per subgraph (libsql). Its schema diff misreads enums, so the schema is
 *   created fresh from the entities whenever they change (tracked by a hash), never diffed.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  DefaultLogger,
  MikroORM,
  type Constructor,
  type EntitySchema,
  type LoggerOptions,
  type Options,
} from '@mikro-orm/core';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { MySqlDriver } from '@mikro-orm/mysql';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { SeedManager, type Seeder } from '@mikro-orm/seeder';
import mysql from 'mysql2/promise';
import type { Config } from '../config/index.js';
import { connectAtStartup, STARTUP_TIMEOUT_MS } from '../infra/probe.js';
import type { SubgraphName } from '../topology/index.js';

/** What a subgraph tells the platform about its persistence. */
export interface DatabaseModule {
  name: SubgraphName;
  // EntitySchema's generics differ per entity; the ORM takes them as a list.
  entities: EntitySchema<any, any>[];
  /** Absolute path of the committed migrations folder. */
  migrationsPath: string;
  demoSeeder: Constructor<Seeder>;
}

export type DatabaseConfig = Config['database'];

/** What a counted statement says about where it came from: `origin` is REQUEST_ORIGIN for a request's statements. */
export interface QueryLogContext {
  origin?: unknown;
}

/**
 * The logger-context origin of a GraphQL request's EntityManager fork (lib/subgraph): counting only these tells
 * a request's statements from background work (relays, consumers, sweepers) running in the same process.
 */
export const REQUEST_ORIGIN = 'request';

export interface OpenDatabaseOptions {
  /** Called with every SQL statement sent (used to count statements in tests and benchmarks). */
  onQuery?: (sql: string, context: QueryLogContext) => void;
  /** Log SQL through MikroORM's logger. */
  debug?: boolean;
}

export type Flavor = 'mysql' | 'mariadb' | 'sqlite';

export interface Database {
  orm: MikroORM;
  flavor: Flavor;
  dbName: string;
}

class CountingLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly onQuery: (sql: string, context: QueryLogContext) => void,
  ) {
    super(options);
  }
  override logQuery(context: Parameters<DefaultLogger['logQuery']>[0]): void {
    this.onQuery(context.query, context as QueryLogContext);
    super.logQuery(context);
  }
}

export function databaseName(config: DatabaseConfig, name: SubgraphName): string {
  return `${config.prefix}_${name}`;
}

/** The server part of a MySQL URL (no database path), as MikroORM's clientUrl. */
function serverUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}

/** Creates the database when missing and tells MariaDB from MySQL by the server's version string. */
export async function prepareMysqlDatabase(url: string, dbName: string): Promise<'mysql' | 'mariadb'> {
  // The first connection of a start: a server that is down is named (DATABASE_URL) rather than thrown as a raw
  // ECONNREFUSED, and one that accepts but never greets costs STARTUP_TIMEOUT_MS instead of mysql2's 10 s.
  const conn = await connectAtStartup({ kind: 'mysql', url, variable: 'DATABASE_URL' }, () =>
    mysql.createConnection({ uri: serverUrl(url), connectTimeout: STARTUP_TIMEOUT_MS }),
  );
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    return String(rows[0]?.v).toLowerCase().includes('mariadb') ? 'mariadb' : 'mysql';
  } finally {
    await conn.end();
  }
}

export async function dropMysqlDatabases(url: string, dbNames: string[]): Promise<void> {
  const conn = await mysql.createConnection({ uri: serverUrl(url) });
  try {
    for (const name of dbNames) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}

export async function openDatabase(
  module: DatabaseModule,
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const dbName = databaseName(config, module.name);
  const common: Options = {
    entities: module.entities,
    extensions: [Migrator, SeedManager],
    debug: options.debug ?? false,
    // Every request forks its own EntityManager; the global one must never be used by accident.
    allowGlobalContext: false,
    // Identifiers are UUIDv7 strings set by the application, never database-generated.
    forceUndefined: false,
    migrations: {
      path: module.migrationsPath,
      pathTs: module.migrationsPath,
      glob: '!(*.d).{js,ts}',
      transactional: false,
      silent: true,
      emit: 'ts',
      snapshot: true,
      snapshotName: '.snapshot',
    },
    preferTs: true,
    ...(options.onQuery ? { loggerFactory: (o: LoggerOptions) => new CountingLogger(o, options.onQuery!) } : {}),
  };

  if (config.kind === 'mysql') {
    const flavor = await prepareMysqlDatabase(config.url, dbName);
    const orm = await MikroORM.init({
      ...common,
      // Both drivers speak the same dialect and read the same migrations; the union needs one name.
      driver: (flavor === 'mariadb' ? MariaDbDriver : MySqlDriver) as typeof MariaDbDriver,
      clientUrl: serverUrl(config.url),
      dbName,
      pool: { min: 0, max: 10 },
    });
    return { orm, flavor, dbName };
  }

  await mkdir(config.dir, { recursive: true });
  const file = path.join(config.dir, `${dbName}.sqlite`);
  const orm = await MikroORM.init({ ...common, driver: LibSqlDriver, dbName: file });
  return { orm, flavor: 'sqlite', dbName: file };
}

const SCHEMA_META = '_hubgraph_schema';

/**
 * Brings the schema up to date. Returns true when the database was (re)created empty, so callers
 * know the embedded demo data must be seeded again.
 */
export async function prepareSchema(db: Database): Promise<{ recreated: boolean; migrations: string[] }> {
  if (db.flavor !== 'sqlite') {
    const done = await underNamedLock(db, migrationLockName(db.dbName), () => db.orm.getMigrator().up());
    return { recreated: false, migrations: done.map((m) => m.name) };
  }
  const generator = db.orm.getSchemaGenerator();
  const hash = createHash('sha256')
    .update(await generator.getCreateSchemaSQL())
    .digest('hex');
  const conn = db.orm.em.getConnection();
  await conn.execute(`create table if not exists \`${SCHEMA_META}\` (hash text not null)`);
  const rows = await conn.execute<{ hash: string }[]>(`select hash from \`${SCHEMA_META}\``);
  if (rows[0]?.hash === hash) return { recreated: false, migrations: [] };
  await generator.dropSchema();
  await generator.createSchema();
  await conn.execute(`delete from \`${SCHEMA_META}\``);
  await conn.execute(`insert into \`${SCHEMA_META}\` (hash) values (?)`, [hash]);
  return { recreated: true, migrations: [] };
}

/** The name of the lock migrations of `dbName` run under: MySQL refuses lock names over 64 characters. */
function migrationLockName(dbName: string): string {
  const name = `hubgraph:migrate:${dbName}`;
  return name.length <= 64
    ? name
    : `hubgraph:migrate:${createHash('sha256').update(dbName).digest('hex').slice(0, 40)}`;
}

/** Seconds a process waits for another one's migrations before it gives up starting. */
const MIGRATION_LOCK_SECONDS = 120;

/**
 * Runs `fn` while holding a server-wide named lock (GET_LOCK, on a connection of its own: the lock lives as long as
 * that session). Replicas started together on a new database would otherwise each apply the same migrations, and
 * all but one would fail on "table already exists"; with the lock, one migrates while the others wait and then
 * find nothing left to apply.
 */
async function underNamedLock<T>(db: Database, name: string, fn: () => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({
    uri: db.orm.config.get('clientUrl'),
    connectTimeout: STARTUP_TIMEOUT_MS,
  });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [
      name,
      MIGRATION_LOCK_SECONDS,
    ]);
    if (Number(rows[0]?.got) !== 1) {
      throw new Error(`Another process held the lock ${name} for over ${MIGRATION_LOCK_SECONDS} s; not migrating`);
    }
    try {
      return await fn();
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [name]);
    }
  } finally {
    await conn.end();
  }
}

export async function seedDemo(db: Database, module: DatabaseModule): Promise<void> {
  await db.orm.getSeeder().seed(module.demoSeeder);
}
