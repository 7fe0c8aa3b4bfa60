import type { EntityManager } from '@mikro-orm/core';
import { byIdLoader, groupLoader, oneByFieldLoader } from '../../../../lib/orm/loaders.js';
import { DeliveryLeg } from '../entities/delivery-leg.entity.js';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';
import { Delivery } from '../entities/delivery.entity.js';

export function createDeliveryLoaders(em: EntityManager) {
  return {
    manager: byIdLoader(em, DeliveryManager),
    managerByUser: oneByFieldLoader(em, DeliveryManager, 'userId'),
    managersByHub: groupLoader(em, DeliveryManager, 'hubId', { kind: 'asc', sequence: 'asc' }),
    delivery: byIdLoader(em, Delivery),
    deliveryByOrder: oneByFieldLoader(em, Delivery, 'orderId'),
    legsByDelivery: groupLoader(em, DeliveryLeg, 'deliveryId', { sequence: 'asc' }),
  };
}
export type DeliveryLoaders = ReturnType<typeof createDeliveryLoaders>;
