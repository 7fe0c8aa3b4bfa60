/** The hub subgraph: hubs, the links between them, and routes over them priced by link ETAs. */
import { EVENT_ENTITIES } from '../../../lib/events/outbox.js';
import { eventConsumer, outboxRelay } from '../../../lib/subgraph/events.js';
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createHubContext } from './context.js';
import { Hub } from './entities/hub.entity.js';
import { HubLink } from './entities/hub-link.entity.js';
import { handlers } from './events/index.js';
import { hubModule } from './module.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'hub',
  resolvers,
  entities: [Hub, HubLink, ...EVENT_ENTITIES],
  demoSeeder: DemoSeeder,
  createContext: createHubContext,
  background: [
    {
      // The ETA cache, breaker and quota exist once per process, before the first request or event needs them;
      // stopping waits for the cache's background refreshes, which write to Redis, before the connections close.
      name: 'eta-pricing',
      async start(deps) {
        const { pricing } = hubModule(deps);
        return () => pricing.close();
      },
    },
    // Relay, then consumer: tasks stop in reverse, so the consumer stops first and its route events still leave.
    outboxRelay(),
    eventConsumer('hub', handlers),
  ],
});
