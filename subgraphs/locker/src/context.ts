import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createLockerLoaders, type LockerLoaders } from './loaders/index.js';
import { LockerService } from './services/lockers.service.js';

export interface LockerContext extends BaseContext {
  loaders: LockerLoaders;
  lockers: LockerService;
}

export function createLockerContext(base: BaseContext): LockerContext {
  return { ...base, loaders: createLockerLoaders(base.em), lockers: new LockerService(base.em) };
}
