import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createDeliveryLoaders, type DeliveryLoaders } from './loaders/index.js';
import { ManagerQueries } from './services/managers.service.js';

export interface DeliveryContext extends BaseContext {
  loaders: DeliveryLoaders;
  managers: ManagerQueries;
}

export function createDeliveryContext(base: BaseContext): DeliveryContext {
  return { ...base, loaders: createDeliveryLoaders(base.em), managers: new ManagerQueries(base.em) };
}
