/** The delivery subgraph: delivery managers (deliveries, legs and assignment build on these). */
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createDeliveryContext } from './context.js';
import { DeliveryManager } from './entities/delivery-manager.entity.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'delivery',
  resolvers,
  entities: [DeliveryManager],
  demoSeeder: DemoSeeder,
  createContext: createDeliveryContext,
});
