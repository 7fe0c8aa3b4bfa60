/** The delivery subgraph: delivery managers, deliveries and their legs, assignment, dispatch notices. */
import { EVENT_ENTITIES } from '../../../lib/events/outbox.js';
import { eventConsumer, outboxRelay } from '../../../lib/subgraph/events.js';
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createDeliveryContext } from './context.js';
import { AssignmentCursor } from './entities/assignment-cursor.entity.js';
import { DeliveryLeg } from './entities/delivery-leg.entity.js';
import { DeliveryManager } from './entities/delivery-manager.entity.js';
import { Delivery } from './entities/delivery.entity.js';
import { DispatchNotice } from './entities/dispatch-notice.entity.js';
import { OrderRecord } from './entities/order-record.entity.js';
import { handlers } from './events/index.js';
import { resolvers } from './resolvers/index.js';
import { deliveryRuntimeTask } from './runtime.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'delivery',
  resolvers,
  entities: [DeliveryManager, AssignmentCursor, Delivery, DeliveryLeg, OrderRecord, DispatchNotice, ...EVENT_ENTITIES],
  demoSeeder: DemoSeeder,
  createContext: createDeliveryContext,
  // The runtime first: event handlers and requests find it on the ORM. Then the relay, then the consumer (tasks
  // stop in reverse, so the consumer stops first and its handlers' events still leave).
  background: [deliveryRuntimeTask, outboxRelay(), eventConsumer('delivery', handlers)],
});
