import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { requireViewer, type Viewer } from '../../../../lib/auth/viewer.js';
import { Firm } from '../entities/firm.entity.js';
import { Product } from '../entities/product.entity.js';

/** Firms and products as every signed-in role may read them. */
export class CatalogQueries {
  constructor(private readonly em: EntityManager) {}

  firms(viewer: Viewer, filter: { hubId?: string | null; type?: Firm['type'] | null }): Promise<Firm[]> {
    requireViewer(viewer);
    const where: FilterQuery<Firm> = {};
    if (filter.hubId) where.hubId = filter.hubId;
    if (filter.type) where.type = filter.type;
    return this.em.find(Firm, where, { orderBy: { name: 'asc' } });
  }

  products(viewer: Viewer, firmId?: string | null): Promise<Product[]> {
    requireViewer(viewer);
    return this.em.find(Product, firmId ? { firmId } : {}, { orderBy: { name: 'asc' } });
  }
}
