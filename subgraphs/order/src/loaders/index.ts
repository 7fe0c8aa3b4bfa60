import type { EntityManager } from '@mikro-orm/core';
import { byIdLoader, groupLoader } from '../../../../lib/orm/loaders.js';
import { Firm } from '../entities/firm.entity.js';
import { Order } from '../entities/order.entity.js';
import { Product } from '../entities/product.entity.js';

export function createOrderLoaders(em: EntityManager) {
  return {
    firm: byIdLoader(em, Firm),
    product: byIdLoader(em, Product),
    order: byIdLoader(em, Order),
    firmsByHub: groupLoader(em, Firm, 'hubId', { name: 'asc' }),
    productsByFirm: groupLoader(em, Product, 'firmId', { name: 'asc' }),
  };
}
export type OrderLoaders = ReturnType<typeof createOrderLoaders>;
