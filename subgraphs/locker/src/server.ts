/**
 * The locker subgraph: lockers, compartments, reservations and pickup codes, device keys, and the MQTT bridge to
 * the devices (docs/mqtt-protocol.md).
 */
import { EVENT_ENTITIES } from '../../../lib/events/outbox.js';
import { eventConsumer, outboxRelay } from '../../../lib/subgraph/events.js';
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createLockerContext } from './context.js';
import { Compartment } from './entities/compartment.entity.js';
import { DeviceCredential } from './entities/device-credential.entity.js';
import { LockerCommand } from './entities/locker-command.entity.js';
import { Locker } from './entities/locker.entity.js';
import { PickupCredential } from './entities/pickup-credential.entity.js';
import { Reservation } from './entities/reservation.entity.js';
import { handlers } from './events/index.js';
import { deviceBridge, reservationSweeper } from './module.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'locker',
  resolvers,
  entities: [Locker, Compartment, Reservation, PickupCredential, DeviceCredential, LockerCommand, ...EVENT_ENTITIES],
  demoSeeder: DemoSeeder,
  createContext: createLockerContext,
  usesMqtt: true,
  // The bridge builds the locker module the handlers need; the relay before the consumer (tasks stop in reverse).
  background: [deviceBridge, reservationSweeper, outboxRelay(), eventConsumer('locker', handlers)],
});
