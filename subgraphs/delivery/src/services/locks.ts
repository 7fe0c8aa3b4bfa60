/** Row locks the delivery services take, the same way on MariaDB/MySQL and SQLite. */
import {
  LockMode,
  TransactionPropagation,
  Utils,
  type EntityDictionary,
  type EntityManager,
  type EntityName,
  type FilterQuery,
  type NativeInsertUpdateOptions,
  type UpsertOptions,
} from '@mikro-orm/core';

/**
 * Runs `work` inside the caller's transaction when there is one (an event handler runs in the consumer runner's),
 * else in a new one. Never a savepoint: effects queued by `publishAfterCommit` (runtime.ts) wait for the root
 * transaction's commit.
 */
export function inTransaction<T>(em: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return em.transactional(work, { propagation: TransactionPropagation.REQUIRED });
}

/** A locking read (`SELECT … FOR UPDATE`): it waits for concurrent writers and reads what they committed. */
export const LOCKED = { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } as const;

/**
 * Locks the row whose unique key is `key`, inserting `create()` first when there is none, in one statement that
 * takes the row's exclusive lock either way (`INSERT … ON DUPLICATE KEY UPDATE` / `ON CONFLICT DO UPDATE` with the
 * key set to itself). A `SELECT … FOR UPDATE` of a missing row followed by an insert would deadlock under InnoDB:
 * two transactions take the same gap lock, then each waits for the other's to insert. Needs a transaction.
 */
export async function lockOrCreate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  key: FilterQuery<T> & EntityDictionary<T>,
  create: () => EntityDictionary<T>,
): Promise<T> {
  const fields = Object.keys(key) as (keyof T & string)[];
  // The driver's upsert, not em.upsert: that one reads the row back with a plain select, which under REPEATABLE READ
  // may not see a row another transaction committed after this one's snapshot.
  const upsert: NativeInsertUpdateOptions<T> & UpsertOptions<T, keyof T & string> = {
    ctx: em.getTransactionContext(),
    upsert: true,
    onConflictFields: fields,
    onConflictAction: 'merge',
    onConflictMergeFields: fields as UpsertOptions<T, keyof T & string>['onConflictMergeFields'],
  };
  await em.getDriver().nativeUpdate<T>(Utils.className(entity), key, create(), upsert);
  return em.findOneOrFail(entity, key, LOCKED);
}
