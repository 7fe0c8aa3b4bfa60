/** The locker subgraph: lockers and compartments, and the MQTT bridge to their devices. */
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createLockerContext } from './context.js';
import { Compartment } from './entities/compartment.entity.js';
import { Locker } from './entities/locker.entity.js';
import { presenceBridge } from './mqtt/presence.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'locker',
  resolvers,
  entities: [Locker, Compartment],
  demoSeeder: DemoSeeder,
  createContext: createLockerContext,
  usesMqtt: true,
  background: [presenceBridge],
});
