/**
 * Which lockers exist and which compartment numbers each has: what every device report is checked against before it
 * is queued (docs/mqtt-protocol.md: unknown lockers and out-of-range compartments are dropped). Kept in memory,
 * loaded once and on a miss (a locker created by another replica), with misses remembered for a while so a stream of
 * reports for an unknown id costs one query per interval, not one per message.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';

export interface DirectoryEntry {
  hubId: string;
  indexes: ReadonlySet<number>;
}

/** How long an unknown locker id is remembered as unknown, in milliseconds. */
const MISS_TTL_MS = 10_000;
/** Bound on remembered misses (ids come from devices). */
const MAX_MISSES = 10_000;

export class LockerDirectory {
  private readonly entries = new Map<string, DirectoryEntry>();
  private readonly misses = new Map<string, number>();
  private readonly loading = new Map<string, Promise<DirectoryEntry | null>>();

  constructor(private readonly em: () => EntityManager) {}

  /** Loads every locker (at start). */
  async loadAll(): Promise<void> {
    const em = this.em();
    const [lockers, compartments] = await Promise.all([
      em.find(Locker, {}, { fields: ['id', 'hubId'] }),
      em.find(Compartment, {}, { fields: ['lockerId', 'index'] }),
    ]);
    this.fill(lockers, compartments);
  }

  /** The entry when it is in memory (no I/O); undefined when it must be looked up; null when known missing. */
  cached(lockerId: string, now = Date.now()): DirectoryEntry | null | undefined {
    const entry = this.entries.get(lockerId);
    if (entry) return entry;
    const missedAt = this.misses.get(lockerId);
    if (missedAt !== undefined && now - missedAt < MISS_TTL_MS) return null;
    return undefined;
  }

  /** The entry, from memory or the database (one query per id at a time). */
  lookup(lockerId: string): Promise<DirectoryEntry | null> {
    const cached = this.cached(lockerId);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.loading.get(lockerId);
    if (!pending) {
      pending = this.load(lockerId).finally(() => this.loading.delete(lockerId));
      this.loading.set(lockerId, pending);
    }
    return pending;
  }

  /** Records a locker created in this process. */
  add(locker: { id: string; hubId: string }, indexes: Iterable<number>): void {
    this.entries.set(locker.id, { hubId: locker.hubId, indexes: new Set(indexes) });
    this.misses.delete(locker.id);
  }

  private async load(lockerId: string): Promise<DirectoryEntry | null> {
    const em = this.em();
    const lockers = await em.find(Locker, { id: lockerId }, { fields: ['id', 'hubId'] });
    const compartments = lockers.length
      ? await em.find(Compartment, { lockerId }, { fields: ['lockerId', 'index'] })
      : [];
    this.fill(lockers, compartments);
    const entry = this.entries.get(lockerId) ?? null;
    if (!entry) {
      if (this.misses.size >= MAX_MISSES) this.misses.clear();
      this.misses.set(lockerId, Date.now());
    }
    return entry;
  }

  private fill(lockers: Pick<Locker, 'id' | 'hubId'>[], compartments: Pick<Compartment, 'lockerId' | 'index'>[]) {
    const indexes = new Map<string, number[]>(lockers.map((l) => [l.id, []]));
    for (const c of compartments) indexes.get(c.lockerId)?.push(c.index);
    for (const l of lockers) this.add(l, indexes.get(l.id)!);
  }
}
