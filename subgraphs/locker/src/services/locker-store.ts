/**
 * Reading and writing a locker's rows inside a transaction. Every change of a locker, its compartments or their
 * reservations locks the locker's row first (FOR UPDATE, in id order so two writers never deadlock); later reads in
 * the transaction lock too, so they see what the writer before committed. That serializes writers per locker across
 * processes (two locker replicas receive the same MQTT message and only one of them sees a change), which keeps
 * compartment picking atomic and revisions in order.
 */
import { LockMode, type EntityManager, type EntityName, type FilterQuery } from '@mikro-orm/core';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';
import { snapshotOf, type LockerSnapshot } from './ports.js';

const LOCKED = { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } as const;

/**
 * `detached` rows are not tracked by the EntityManager (no entities, no identity map, no change sets): the ingest
 * reads and writes them with plain SQL (writeFacts), which costs a fraction of the ORM's work for hundreds of rows.
 */
export interface LockOptions {
  detached?: boolean;
}

const LOCKER_COLUMNS = {
  id: 'id',
  hubId: 'hub_id',
  name: 'name',
  address: 'address',
  online: 'online',
  lastSeenAt: 'last_seen_at',
  reportedAt: 'reported_at',
  stateAt: 'state_at',
  revision: 'revision',
  createdAt: 'created_at',
} as const;
const COMPARTMENT_COLUMNS = {
  id: 'id',
  lockerId: 'locker_id',
  index: 'index',
  doorOpen: 'door_open',
  occupied: 'occupied',
  reserved: 'reserved',
  fault: 'fault',
  observedAt: 'observed_at',
} as const;
const LOCKER_DATES = ['lastSeenAt', 'reportedAt', 'stateAt', 'createdAt'] as const;
const COMPARTMENT_BOOLEANS = ['doorOpen', 'occupied', 'reserved'] as const;

const quote = (name: string) => `\`${name}\``;
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Locks and returns the lockers of `ids` that exist. Needs a transaction. */
export function lockLockers(em: EntityManager, ids: readonly string[], options: LockOptions = {}): Promise<Locker[]> {
  const unique = [...new Set(ids)].sort();
  if (options.detached) {
    return lockedRows(em, 'lockers', LOCKER_COLUMNS, 'id', unique, ['id']).then((rows) =>
      rows.map((row) => {
        const locker = { ...row, online: Boolean(row.online) } as Record<string, unknown>;
        for (const key of LOCKER_DATES) locker[key] = toDate(em, row[key]);
        return locker as unknown as Locker;
      }),
    );
  }
  return em.find(Locker, { id: { $in: unique } }, { ...LOCKED, orderBy: { id: 'asc' } });
}

/** The compartments of `lockerIds`, locked, grouped by locker and ordered by index. */
export async function lockCompartments(
  em: EntityManager,
  lockerIds: readonly string[],
  options: LockOptions = {},
): Promise<Map<string, Compartment[]>> {
  const unique = [...new Set(lockerIds)].sort();
  const rows = options.detached
    ? (await lockedRows(em, 'compartments', COMPARTMENT_COLUMNS, 'locker_id', unique, ['locker_id', 'index'])).map(
        (row) => {
          const compartment = { ...row, observedAt: toDate(em, row.observedAt) } as Record<string, unknown>;
          for (const key of COMPARTMENT_BOOLEANS) compartment[key] = Boolean(row[key]);
          return compartment as unknown as Compartment;
        },
      )
    : await em.find(
        Compartment,
        { lockerId: { $in: unique } },
        { ...LOCKED, orderBy: { lockerId: 'asc', index: 'asc' } },
      );
  const byLocker = new Map<string, Compartment[]>(lockerIds.map((id) => [id, []]));
  for (const row of rows) byLocker.get(row.lockerId)?.push(row);
  return byLocker;
}

/** `SELECT … WHERE <column> IN (…) ORDER BY … FOR UPDATE` as plain rows keyed by property name. */
async function lockedRows<K extends string>(
  em: EntityManager,
  table: string,
  columns: Record<K, string>,
  where: string,
  values: readonly string[],
  orderBy: readonly string[],
): Promise<Record<K, unknown>[]> {
  if (!values.length) return [];
  const select = Object.entries<string>(columns)
    .map(([property, column]) => `${quote(column)} as ${quote(property)}`)
    .join(', ');
  // SQLite has no row locks: it serializes writers, which is what the lock is for.
  const lock = dialectOf(em) === 'sqlite' ? '' : ' for update';
  const sql = `select ${select} from ${quote(table)} where ${quote(where)} in (${placeholders(values.length)}) order by ${orderBy.map(quote).join(', ')}${lock}`;
  return em.getConnection().execute(sql, [...values], 'all', em.getTransactionContext());
}

/** A datetime column as the drivers return it (a Date, a string without zone, or epoch ms), as the ORM reads it. */
function toDate(em: EntityManager, value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const platform = em.getPlatform();
  const tz = platform.getTimezone();
  const text = String(value);
  const zoned =
    typeof value === 'string' &&
    tz &&
    tz !== 'local' &&
    !text.includes('+') &&
    text.lastIndexOf('-') < 11 &&
    !text.endsWith('Z');
  return platform.parseDate(zoned ? text + tz : (value as string | number)) as Date;
}

/** MySQL/MariaDB, or SQLite in embedded mode (lib/orm): they differ in row locks and upserts only, here. */
function dialectOf(em: EntityManager): 'mysql' | 'sqlite' {
  return /sqlite|libsql/i.test(em.getPlatform().constructor.name) ? 'sqlite' : 'mysql';
}

/**
 * `INSERT … ON DUPLICATE KEY UPDATE` (MySQL/MariaDB) or `… ON CONFLICT … DO UPDATE` (SQLite): one statement for
 * many rows, updating `update` columns of the existing ones.
 */
async function upsert(
  em: EntityManager,
  table: string,
  columns: Record<string, string>,
  rows: Record<string, unknown>[],
  update: readonly string[],
): Promise<void> {
  const properties = Object.keys(columns);
  const row = `(${placeholders(properties.length)})`;
  const params = rows.flatMap((r) =>
    properties.map((p) => {
      const value = r[p];
      return typeof value === 'boolean' ? Number(value) : (value ?? null);
    }),
  );
  const set =
    dialectOf(em) === 'sqlite'
      ? ` on conflict (${quote('id')}) do update set ${update.map((p) => `${quote(columns[p]!)} = excluded.${quote(columns[p]!)}`).join(', ')}`
      : ` on duplicate key update ${update.map((p) => `${quote(columns[p]!)} = values(${quote(columns[p]!)})`).join(', ')}`;
  const sql = `insert into ${quote(table)} (${properties.map((p) => quote(columns[p]!)).join(', ')}) values ${rows.map(() => row).join(', ')}${set}`;
  await em.getConnection().execute(sql, params, 'run', em.getTransactionContext());
}

/**
 * Writes detached lockers and compartments back, each table in one statement: the fields devices report, and the
 * platform's `reserved` and `revision`.
 */
export async function writeFacts(em: EntityManager, lockers: Locker[], compartments: Compartment[]): Promise<void> {
  if (compartments.length) {
    await upsert(em, 'compartments', COMPARTMENT_COLUMNS, compartments as unknown as Record<string, unknown>[], [
      'doorOpen',
      'occupied',
      'reserved',
      'fault',
      'observedAt',
    ]);
  }
  if (lockers.length) {
    await upsert(em, 'lockers', LOCKER_COLUMNS, lockers as unknown as Record<string, unknown>[], [
      'online',
      'lastSeenAt',
      'reportedAt',
      'stateAt',
      'revision',
    ]);
  }
}

/** Locking reads of any entity of this subgraph, for rows a writer locked its locker to change. */
export function findLocked<T extends object>(em: EntityManager, entity: EntityName<T>, where: FilterQuery<NoInfer<T>>) {
  return em.find(entity, where, LOCKED);
}

/** Marks a committed-to-be change of `locker`: its revision goes up once per transaction. */
export function bumpRevision(locker: Locker, bumped: Set<string>): void {
  if (bumped.has(locker.id)) return;
  bumped.add(locker.id);
  locker.revision += 1;
}

/** Snapshots of `lockers` as this transaction leaves them (read after flush, published after commit). */
export function snapshots(lockers: readonly Locker[], compartments: Map<string, Compartment[]>): LockerSnapshot[] {
  return lockers.map((l) => snapshotOf(l, compartments.get(l.id) ?? []));
}

/**
 * Runs `fn` once the transaction `em` runs in has committed, or at once outside a transaction. A handler of another
 * subgraph's event runs inside the consumer's transaction, which commits after the handler returns: announcing
 * its changes any earlier would show subscribers a state that may still roll back.
 */
export function afterCommit(em: EntityManager, fn: () => void): void {
  const trx = em.isInTransaction() ? em.getTransactionContext<{ executionPromise?: Promise<unknown> }>() : undefined;
  if (trx?.executionPromise) {
    // A rollback announces nothing.
    trx.executionPromise.then(fn, () => undefined);
  } else {
    fn();
  }
}
