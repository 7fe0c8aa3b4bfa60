import type { BaseContext, SubgraphDeps } from '../../../lib/subgraph/index.js';
import { createOrderLoaders, type OrderLoaders } from './loaders/index.js';
import { federatedLockerDirectory } from './peers/locker-directory.js';
import { CatalogService } from './services/catalog.service.js';
import type { LockerDirectory } from './services/locker-directory.js';
import { OrderService } from './services/orders.service.js';

export interface OrderContext extends BaseContext {
  loaders: OrderLoaders;
  catalog: CatalogService;
  orders: OrderService;
}

const lockerDirectories = new WeakMap<SubgraphDeps, LockerDirectory>();

/** The locker directory of this process's dependencies: built once, not per request. */
function lockerDirectory(deps: SubgraphDeps): LockerDirectory {
  let directory = lockerDirectories.get(deps);
  if (!directory) {
    const { config, peers } = deps;
    directory = federatedLockerDirectory({
      peers,
      passport: { secret: config.auth.passportSecret, ttlSeconds: config.auth.passportTtlSeconds },
    });
    lockerDirectories.set(deps, directory);
  }
  return directory;
}

export function createOrderContext(base: BaseContext): OrderContext {
  const { em, deps } = base;
  return {
    ...base,
    loaders: createOrderLoaders(em),
    catalog: new CatalogService(em),
    orders: new OrderService({ em, lockers: lockerDirectory(deps), readCommitted: deps.db.flavor !== 'sqlite' }),
  };
}
