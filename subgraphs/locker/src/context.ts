import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createLockerLoaders, type LockerLoaders } from './loaders/index.js';
import { lockerModule, lockerServices, type LockerServices } from './module.js';

export interface LockerContext extends BaseContext, LockerServices {
  loaders: LockerLoaders;
}

/**
 * A context per request, and per event of a subscription (lib/subgraph/subscriptions.ts): the services are built
 * on first use, since most subscription events need none of them.
 */
export function createLockerContext(base: BaseContext): LockerContext {
  let services: LockerServices | undefined;
  const get = () => (services ??= lockerServices(lockerModule(base.deps), base.em));
  return {
    ...base,
    loaders: createLockerLoaders(base.em),
    get lockers() {
      return get().lockers;
    },
    get reservations() {
      return get().reservations;
    },
    get commands() {
      return get().commands;
    },
    get pickup() {
      return get().pickup;
    },
    get deviceKeys() {
      return get().deviceKeys;
    },
    get facts() {
      return get().facts;
    },
  };
}
