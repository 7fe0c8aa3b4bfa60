import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createDeliveryLoaders, type DeliveryLoaders } from './loaders/index.js';
import { DeliveryService } from './services/deliveries.service.js';
import { ManagerService } from './services/managers.service.js';

export interface DeliveryContext extends BaseContext {
  loaders: DeliveryLoaders;
  managers: ManagerService;
  deliveries: DeliveryService;
}

export function createDeliveryContext(base: BaseContext): DeliveryContext {
  const loaders = createDeliveryLoaders(base.em);
  return {
    ...base,
    loaders,
    managers: new ManagerService(base.em),
    deliveries: new DeliveryService({ em: base.em, loaders }),
  };
}
