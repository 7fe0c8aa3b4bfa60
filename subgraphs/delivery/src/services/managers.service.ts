import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';

/** Delivery-manager profiles as every signed-in role may read them. */
export class ManagerService {
  constructor(private readonly em: EntityManager) {}

  list(filter: { hubId?: string | null; kind?: DeliveryManager['kind'] | null }): Promise<DeliveryManager[]> {
    const where: FilterQuery<DeliveryManager> = {};
    if (filter.hubId) where.hubId = filter.hubId;
    if (filter.kind) where.kind = filter.kind;
    return this.em.find(DeliveryManager, where, { orderBy: { hubId: 'asc', kind: 'asc', sequence: 'asc' } });
  }
}
