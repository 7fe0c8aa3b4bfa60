import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createHubLoaders, type HubLoaders } from './loaders/index.js';
import { hubModule } from './module.js';
import { HubService } from './services/hubs.service.js';
import { RouteService } from './services/routes.service.js';

export interface HubContext extends BaseContext {
  loaders: HubLoaders;
  hubs: HubService;
  routes: RouteService;
}

export function createHubContext(base: BaseContext): HubContext {
  const { pricing, network, outbox } = hubModule(base.deps);
  return {
    ...base,
    loaders: createHubLoaders(base.em),
    hubs: new HubService(base.em),
    routes: new RouteService(base.em, pricing.links, outbox, network),
  };
}
