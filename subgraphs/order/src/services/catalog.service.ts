import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { Firm } from '../entities/firm.entity.js';
import { Product } from '../entities/product.entity.js';

/** Firms and products as every signed-in role may read them. */
export class CatalogService {
  constructor(private readonly em: EntityManager) {}

  firms(filter: { hubId?: string | null; type?: Firm['type'] | null }): Promise<Firm[]> {
    const where: FilterQuery<Firm> = {};
    if (filter.hubId) where.hubId = filter.hubId;
    if (filter.type) where.type = filter.type;
    return this.em.find(Firm, where, { orderBy: { name: 'asc' } });
  }

  products(firmId?: string | null): Promise<Product[]> {
    return this.em.find(Product, firmId ? { firmId } : {}, { orderBy: { name: 'asc' } });
  }
}
