import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { requireViewer, type Viewer } from '../../../../lib/auth/viewer.js';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';

export class ManagerQueries {
  constructor(private readonly em: EntityManager) {}

  list(viewer: Viewer, filter: { hubId?: string | null; kind?: DeliveryManager['kind'] | null }) {
    requireViewer(viewer);
    const where: FilterQuery<DeliveryManager> = {};
    if (filter.hubId) where.hubId = filter.hubId;
    if (filter.kind) where.kind = filter.kind;
    return this.em.find(DeliveryManager, where, { orderBy: { hubId: 'asc', kind: 'asc', sequence: 'asc' } });
  }
}
