import type { EntityManager } from '@mikro-orm/core';
import { byIdLoader, groupLoader } from '../../../../lib/orm/loaders.js';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';

export function createLockerLoaders(em: EntityManager) {
  return {
    locker: byIdLoader(em, Locker),
    lockersByHub: groupLoader(em, Locker, 'hubId', { name: 'asc' }),
    compartmentsByLocker: groupLoader(em, Compartment, 'lockerId', { index: 'asc' }),
  };
}
export type LockerLoaders = ReturnType<typeof createLockerLoaders>;
