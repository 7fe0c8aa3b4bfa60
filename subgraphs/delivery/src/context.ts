import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createDeliveryLoaders, type DeliveryLoaders } from './loaders/index.js';
import { ManagerService } from './services/managers.service.js';

export interface DeliveryContext extends BaseContext {
  loaders: DeliveryLoaders;
  managers: ManagerService;
}

export function createDeliveryContext(base: BaseContext): DeliveryContext {
  return { ...base, loaders: createDeliveryLoaders(base.em), managers: new ManagerService(base.em) };
}
