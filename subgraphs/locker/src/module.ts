/**
 * The pieces of the locker subgraph that outlive a request, built once per process's dependencies: the outbox, the
 * pickup-code keys, live updates, the command port, the locker directory, the ingest that coalesces device writes,
 * and the MQTT bridge's counters. Resolvers, the MQTT bridge, the sweeper and event handlers all build their services
 * from here, so both device paths (MQTT and the device-key mutations) run the same code.
 *
 * Event handlers receive only the event and the consumer's EntityManager (lib/events `EventHandler`), so the module
 * is also found from an EntityManager: every fork of one MikroORM shares its `config`, which keys the lookup.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Outbox } from '../../../lib/events/outbox.js';
import { existingEntityIds } from '../../../lib/federation/index.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { BackgroundTask } from '../../../lib/subgraph/background.js';
import type { SubgraphDeps } from '../../../lib/subgraph/index.js';
import type { LockerEvents } from './domain/events.js';
import { pubSubLiveUpdates } from './live.js';
import { BridgeStats, startDeviceBridge } from './mqtt/bridge.js';
import { mqttCommandPort } from './mqtt/commands.js';
import { CommandService } from './services/commands.service.js';
import { DeviceFactsService } from './services/device-facts.service.js';
import { DeviceKeyService } from './services/device-keys.service.js';
import { DeviceReportService } from './services/device-reports.service.js';
import { ReportIngest } from './services/ingest.js';
import { LockerDirectory } from './services/locker-directory.js';
import { LockerService } from './services/lockers.service.js';
import { PickupCodes } from './services/pickup-codes.js';
import { PickupService } from './services/pickup.service.js';
import type { DeviceCommandPort, LiveUpdates } from './services/ports.js';
import { ReservationService } from './services/reservations.service.js';

export interface LockerModule {
  deps: SubgraphDeps;
  logger: Logger;
  outbox: Outbox<LockerEvents>;
  codes: PickupCodes;
  live: LiveUpdates;
  commandPort: DeviceCommandPort;
  directory: LockerDirectory;
  ingest: ReportIngest;
  facts: DeviceFactsService;
  /** Messages the MQTT bridge received and dropped, by kind and reason. */
  stats: BridgeStats;
}

/** The request-scoped services of the locker subgraph over one EntityManager. */
export interface LockerServices {
  lockers: LockerService;
  reservations: ReservationService;
  commands: CommandService;
  pickup: PickupService;
  deviceKeys: DeviceKeyService;
  facts: DeviceFactsService;
}

const byDeps = new WeakMap<SubgraphDeps, LockerModule>();
const byOrm = new WeakMap<object, LockerModule>();

/** The locker module of these dependencies, built on first use. */
export function lockerModule(deps: SubgraphDeps): LockerModule {
  let module = byDeps.get(deps);
  if (module) return module;
  const logger = deps.logger.child({ subgraph: 'locker' });
  const outbox = new Outbox<LockerEvents>('locker');
  const codes = new PickupCodes(deps.config.lockers.pickupCodeSecret);
  const live = pubSubLiveUpdates(deps.infra.pubsub, logger);
  const directory = new LockerDirectory(() => deps.db.orm.em.fork());
  const write = async (reports: Parameters<DeviceReportService['apply']>[0]) => {
    const em = deps.db.orm.em.fork();
    const reservations = new ReservationService(em, { outbox, codes, live, settings: deps.config.lockers });
    const changed = await new DeviceReportService(em, reservations).apply(reports);
    if (changed.length) void live.lockersChanged(changed);
  };
  const ingest = new ReportIngest(write, logger.child({ component: 'ingest' }));
  const { metrics } = deps;
  module = {
    deps,
    logger,
    outbox,
    codes,
    live,
    commandPort: mqttCommandPort(
      deps.infra.mqtt,
      logger.child({ component: 'mqtt' }),
      metrics && (() => metrics.mqttMessages.inc({ direction: 'out', kind: 'commands' })),
    ),
    directory,
    ingest,
    facts: new DeviceFactsService(directory, ingest),
    stats: new BridgeStats(
      logger.child({ component: 'mqtt' }),
      metrics && {
        received: (kind) => metrics.mqttMessages.inc({ direction: 'in', kind }),
        dropped: (reason) => metrics.mqttDropped.inc({ reason }),
      },
    ),
  };
  byDeps.set(deps, module);
  byOrm.set(deps.db.orm.config, module);
  return module;
}

/**
 * The locker module of the process whose database `em` belongs to. It exists once the subgraph has started (its
 * `locker-devices` background task builds it).
 * @throws Error when no locker subgraph was started on that database.
 */
export function lockerModuleOf(em: EntityManager): LockerModule {
  const module = byOrm.get(em.config);
  if (!module) throw new Error('The locker subgraph has not started on this database');
  return module;
}

/** The services over `em`, as a request, a device message or an event handler uses them. */
export function lockerServices(module: LockerModule, em: EntityManager): LockerServices {
  const { deps, outbox, codes, live, commandPort, directory } = module;
  const settings = deps.config.lockers;
  const commands = new CommandService(em, { port: commandPort, live, timeoutMs: settings.commandTimeoutMs });
  return {
    lockers: new LockerService(em, {
      outbox,
      existingHubIds: (ids) =>
        existingEntityIds(
          {
            peers: deps.peers,
            passport: { secret: deps.config.auth.passportSecret, ttlSeconds: deps.config.auth.passportTtlSeconds },
          },
          'hub',
          'Hub',
          ids,
        ),
      created: (locker, indexes) => directory.add(locker, indexes),
    }),
    reservations: new ReservationService(em, { outbox, codes, live, settings }),
    commands,
    pickup: new PickupService(em, { codes, limiter: deps.infra.rateLimiter, commands }),
    deviceKeys: new DeviceKeyService(em, deps.infra.rateLimiter),
    facts: module.facts,
  };
}

/** Device messages over MQTT (docs/mqtt-protocol.md), after loading the locker directory. */
export const deviceBridge: BackgroundTask<SubgraphDeps> = {
  name: 'locker-devices',
  async start(deps) {
    if (!deps.infra.mqtt) throw new Error('The locker subgraph needs an MQTT connection');
    const module = lockerModule(deps);
    await module.directory.loadAll();
    const stop = await startDeviceBridge(
      deps.infra.mqtt,
      {
        report: (report) => module.facts.report(report),
        acknowledge: (lockerId, ack) =>
          lockerServices(module, deps.db.orm.em.fork()).commands.acknowledge(lockerId, ack),
      },
      module.stats,
      module.logger.child({ component: 'mqtt' }),
    );
    return async () => {
      await stop();
      // What was received is written before the database closes.
      await module.ingest.drained();
    };
  },
};

/** How often expired reservations are looked for, in milliseconds. */
const SWEEP_EVERY_MS = 30_000;

/** Releases reservations whose time ran out (docs/domain.md §9), every SWEEP_EVERY_MS. */
export const reservationSweeper: BackgroundTask<SubgraphDeps> = {
  name: 'reservation-sweeper',
  async start(deps) {
    const module = lockerModule(deps);
    let running: Promise<void> | null = null;
    const sweep = async () => {
      const services = lockerServices(module, deps.db.orm.em.fork());
      // Drain what is due, a bounded batch at a time.
      while ((await services.reservations.sweepExpired()) > 0);
    };
    const timer = setInterval(() => {
      running ??= sweep()
        .catch((err: unknown) => module.logger.error({ err }, 'reservation sweep failed'))
        .finally(() => (running = null));
    }, SWEEP_EVERY_MS);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  },
};
