import type { EntityManager } from '@mikro-orm/core';
import { byIdLoader, groupLoader, oneByFieldLoader } from '../../../../lib/orm/loaders.js';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';

export function createDeliveryLoaders(em: EntityManager) {
  return {
    manager: byIdLoader(em, DeliveryManager),
    managerByUser: oneByFieldLoader(em, DeliveryManager, 'userId'),
    managersByHub: groupLoader(em, DeliveryManager, 'hubId', { kind: 'asc', sequence: 'asc' }),
  };
}
export type DeliveryLoaders = ReturnType<typeof createDeliveryLoaders>;
