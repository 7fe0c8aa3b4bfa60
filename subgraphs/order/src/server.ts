/** The order subgraph: firms, products with stock, and orders that reserve it (group orders build on these). */
import { EVENT_ENTITIES } from '../../../lib/events/outbox.js';
import { eventConsumer, outboxRelay } from '../../../lib/subgraph/events.js';
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createOrderContext } from './context.js';
import { Firm } from './entities/firm.entity.js';
import { IdempotencyKey } from './entities/idempotency-key.entity.js';
import { Order } from './entities/order.entity.js';
import { Product } from './entities/product.entity.js';
import { createHandlers } from './events/index.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'order',
  resolvers,
  entities: [Firm, Product, Order, IdempotencyKey, ...EVENT_ENTITIES],
  demoSeeder: DemoSeeder,
  createContext: createOrderContext,
  // Relay first: tasks stop in reverse, so the consumer stops first and its handlers' events still leave.
  background: [
    outboxRelay(),
    eventConsumer('order', (deps) => createHandlers(deps.logger.child({ subgraph: 'order' }))),
  ],
});
