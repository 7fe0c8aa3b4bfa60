import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { Locker } from '../entities/locker.entity.js';

export class LockerService {
  constructor(private readonly em: EntityManager) {}

  /** Every signed-in role may list lockers, optionally those of one hub. */
  list(hubId?: string | null): Promise<Locker[]> {
    const where: FilterQuery<Locker> = hubId ? { hubId } : {};
    return this.em.find(Locker, where, { orderBy: { name: 'asc' } });
  }

  /** Records a device's presence. Returns false for an unknown locker (ignored by the caller). */
  async setOnline(lockerId: string, online: boolean, at = new Date()): Promise<boolean> {
    const changed = await this.em.nativeUpdate(Locker, { id: lockerId }, { online, lastSeenAt: at });
    return changed > 0;
  }
}
