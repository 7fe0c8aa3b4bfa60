/** The order subgraph: firms and products with stock (orders and group orders build on these). */
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createOrderContext } from './context.js';
import { Firm } from './entities/firm.entity.js';
import { Product } from './entities/product.entity.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'order',
  resolvers,
  entities: [Firm, Product],
  demoSeeder: DemoSeeder,
  createContext: createOrderContext,
});
