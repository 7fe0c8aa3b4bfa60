/** The hub subgraph: hubs and the links between them (routing and ETAs build on these). */
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createHubContext } from './context.js';
import { Hub } from './entities/hub.entity.js';
import { HubLink } from './entities/hub-link.entity.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'hub',
  resolvers,
  entities: [Hub, HubLink],
  demoSeeder: DemoSeeder,
  createContext: createHubContext,
});
