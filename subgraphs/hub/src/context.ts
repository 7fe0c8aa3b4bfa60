import type { BaseContext } from '../../../lib/subgraph/index.js';
import { createHubLoaders, type HubLoaders } from './loaders/index.js';
import { HubService } from './services/hubs.service.js';

export interface HubContext extends BaseContext {
  loaders: HubLoaders;
  hubs: HubService;
}

export function createHubContext(base: BaseContext): HubContext {
  return { ...base, loaders: createHubLoaders(base.em), hubs: new HubService(base.em) };
}
