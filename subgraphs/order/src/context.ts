import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createOrderLoaders, type OrderLoaders } from './loaders/index.js';
import { CatalogService } from './services/catalog.service.js';

export interface OrderContext extends BaseContext {
  loaders: OrderLoaders;
  catalog: CatalogService;
}

export function createOrderContext(base: BaseContext): OrderContext {
  return { ...base, loaders: createOrderLoaders(base.em), catalog: new CatalogService(base.em) };
}
