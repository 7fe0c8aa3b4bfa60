/**
 * Delivery-manager pools (docs/domain.md §4 "Delivery-manager availability"): round robin by `sequence` per (hub,
 * kind), with the cursor persisted in `assignment_cursors`; `available` goes false on assignment and back to true
 * when the leg finishes or is cancelled. A pool with nobody free leaves the leg unassigned; the next manager released
 * in that pool takes the oldest such leg.
 *
 * Locking, so that concurrent deliveries never share a person and never deadlock:
 * - every change in a pool happens under the lock of its cursor row (locks.ts lockOrCreate);
 * - a transaction that assigns or releases locks, before any delivery or leg row, every pool of every delivery whose
 *   legs it will lock, pools in one sorted order (DeliveryService);
 * - a release that hands a manager to a waiting leg of another delivery holds that leg's pool; anyone holding that
 *   delivery's legs either holds that pool too (impossible at the same time) or waits for nothing, so no cycle forms.
 * Every read that decides something is a locking read: under REPEATABLE READ a plain read could return the snapshot
 * from before the lock was granted, and see a manager as free who was just taken.
 */
import type { EntityManager } from '@mikro-orm/core';
import { uuidv7 } from '../../../../lib/orm/columns.js';
import { OPEN_STATUSES } from '../domain/legs.js';
import type { PoolRef } from '../domain/plan.js';
import { AssignmentCursor } from '../entities/assignment-cursor.entity.js';
import { DeliveryLeg } from '../entities/delivery-leg.entity.js';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';
import { LOCKED, lockOrCreate } from './locks.js';

export const poolKey = (pool: PoolRef) => `${pool.hubId}:${pool.kind}`;

/** The pool a leg's manager comes from and goes back to. */
export const poolOfLeg = (leg: Pick<DeliveryLeg, 'kind' | 'fromHubId'>): PoolRef => ({
  hubId: leg.fromHubId,
  kind: leg.kind === 'HUB' ? 'HUB' : 'FIRM',
});

/** The manager pools of one transaction (`em` must be inside it). */
export class ManagerPools {
  private readonly cursors = new Map<string, AssignmentCursor>();

  constructor(private readonly em: EntityManager) {}

  /** Locks the cursors of `pools`, creating missing ones, in sorted order. Call once, before any leg row is locked. */
  async lock(pools: readonly PoolRef[]): Promise<void> {
    const unique = new Map(pools.map((p) => [poolKey(p), p]));
    for (const key of [...unique.keys()].sort()) {
      if (this.cursors.has(key)) continue;
      this.cursors.set(key, await this.lockCursor(unique.get(key)!));
    }
  }

  /**
   * The next free manager of `pool` after its cursor (wrapping around), now unavailable; null when nobody is free.
   * The pool must be locked.
   */
  async assign(pool: PoolRef): Promise<DeliveryManager | null> {
    const cursor = this.cursor(pool);
    const free = await this.em.find(
      DeliveryManager,
      { hubId: pool.hubId, kind: pool.kind, available: true },
      { orderBy: { sequence: 'asc' }, ...LOCKED },
    );
    const last = cursor.lastSequence ?? -1;
    const next = free.find((m) => m.sequence > last) ?? free[0];
    if (!next) return null;
    next.available = false;
    cursor.lastSequence = next.sequence;
    return next;
  }

  /**
   * Frees `managerId` after its leg finished or was cancelled. If a leg of the pool waits for a manager, the oldest
   * one takes this manager at once (who then stays unavailable); returns that leg, or null. The pool must be locked.
   */
  async release(managerId: string): Promise<DeliveryLeg | null> {
    const manager = await this.em.findOne(DeliveryManager, { id: managerId }, LOCKED);
    if (!manager) return null;
    const pool: PoolRef = { hubId: manager.hubId, kind: manager.kind };
    const cursor = this.cursor(pool);
    const waiting = await this.em.find(
      DeliveryLeg,
      {
        fromHubId: pool.hubId,
        kind: pool.kind === 'HUB' ? 'HUB' : 'LAST_MILE',
        managerId: null,
        status: { $in: [...OPEN_STATUSES] },
      },
      { orderBy: { createdAt: 'asc', sequence: 'asc' }, limit: 1, ...LOCKED },
    );
    const leg = waiting[0];
    if (!leg) {
      manager.available = true;
      return null;
    }
    leg.managerId = manager.id;
    manager.available = false;
    cursor.lastSequence = manager.sequence;
    return leg;
  }

  private cursor(pool: PoolRef): AssignmentCursor {
    const cursor = this.cursors.get(poolKey(pool));
    if (!cursor) throw new Error(`Pool ${poolKey(pool)} was not locked first`);
    return cursor;
  }

  private lockCursor(pool: PoolRef): Promise<AssignmentCursor> {
    const where = { hubId: pool.hubId, kind: pool.kind };
    return lockOrCreate(this.em, AssignmentCursor, where, () => ({
      id: uuidv7(),
      ...where,
      lastSequence: null,
      updatedAt: new Date(),
    }));
  }
}
