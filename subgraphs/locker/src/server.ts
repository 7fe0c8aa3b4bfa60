/** The locker subgraph: lockers and compartments, and the MQTT bridge to their devices. */
import { defineSubgraph, createSubgraphServer, type SubgraphDeps } from '../../../lib/subgraph/index.js';
import { createLockerContext } from './context.js';
import { Compartment } from './entities/compartment.entity.js';
import { Locker } from './entities/locker.entity.js';
import { bridgePresence } from './mqtt/presence.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const lockerSubgraph = defineSubgraph(import.meta.url, {
  name: 'locker',
  resolvers,
  entities: [Locker, Compartment],
  demoSeeder: DemoSeeder,
  createContext: createLockerContext,
  usesMqtt: true,
  async onStart({ infra, db, logger }) {
    if (!infra.mqtt) throw new Error('The locker subgraph needs an MQTT connection');
    return bridgePresence(infra.mqtt, db.orm, logger.child({ subgraph: 'locker', component: 'mqtt' }));
  },
});

export const createLockerServer = (deps: SubgraphDeps) => createSubgraphServer(lockerSubgraph, deps);
