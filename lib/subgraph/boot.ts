/**
 * Boots one subgraph: database (created/migrated), optional demo seed, server, background work,
 * listener.
 * The single-process launcher, each subgraph's own index.ts and the tests all boot through here.
 */
import type { Config } from '../config/index.js';
import type { Infra } from '../infra/index.js';
import type { PeerDirectory } from '../federation/index.js';
import type { Logger } from '../logger/index.js';
import type { SubgraphName } from '../topology/index.js';
import {
  openDatabase,
  prepareSchema,
  REQUEST_ORIGIN,
  seedDemo,
  type Database,
  type OpenDatabaseOptions,
} from '../orm/index.js';
import { OutboxEvent } from '../events/outbox.js';
import { outboxBacklog } from '../events/relay.js';
import { currentRequestScope } from '../logger/request-scope.js';
import { createSubgraphMetrics } from '../metrics/index.js';
import { listen } from '../http/index.js';
import { startBackground } from './background.js';
import { createSubgraphServer, type BaseContext, type SubgraphDefinition } from './index.js';

export interface BootOptions {
  config: Config;
  infra: Infra;
  logger: Logger;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Seed demo data; embedded databases are seeded whenever they were (re)created. */
  seed: boolean;
  onQuery?: OpenDatabaseOptions['onQuery'];
  /** Where the other subgraphs answer; @default the URLs of the configuration. */
  peers?: PeerDirectory;
}

/** The subgraph URLs of the configuration (`<NAME>_URL`, else the default port on loopback). */
export const configuredPeers = (config: Config): PeerDirectory => ({ url: (name) => config.subgraphs[name].url });

export interface BootedSubgraph {
  name: SubgraphName;
  url: string;
  db: Database;
  stop(): Promise<void>;
}

export async function bootSubgraph<T extends BaseContext>(
  def: SubgraphDefinition<T>,
  options: BootOptions,
): Promise<BootedSubgraph> {
  const { config, infra, logger } = options;
  const { onQuery } = options;
  // With metrics on, every statement is seen: a request's own (REQUEST_ORIGIN) count towards its scope's total.
  const db = await openDatabase(def, config.database, {
    onQuery: config.metrics.enabled
      ? (sql, context) => {
          onQuery?.(sql, context);
          const scope = context.origin === REQUEST_ORIGIN ? currentRequestScope() : undefined;
          if (scope) scope.sqlStatements++;
        }
      : onQuery,
  });
  // Undo in reverse whatever was set up, whether boot fails half-way or the subgraph stops.
  const undo: (() => Promise<void>)[] = [() => db.orm.close()];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const schema = await prepareSchema(db);
    if (schema.migrations.length) logger.info({ subgraph: def.name, migrations: schema.migrations }, 'migrated');
    if (options.seed || schema.recreated) {
      if (config.env === 'production') throw new Error('Refusing to seed demo data with NODE_ENV=production');
      await seedDemo(db, def);
    }
    const hasOutbox = def.entities.includes(OutboxEvent);
    const metrics = config.metrics.enabled
      ? createSubgraphMetrics(def.name, { outboxBacklog: hasOutbox ? () => outboxBacklog(db.orm) : undefined })
      : undefined;
    const deps = { config, db, infra, logger, peers: options.peers ?? configuredPeers(config), metrics };
    const server = await createSubgraphServer(def, deps);
    undo.push(() => server.stop());
    undo.push(await startBackground(def.background ?? [], deps, logger.child({ subgraph: def.name })));
    const listening = await listen(server.app, options.port, config.host);
    undo.push(() => listening.close());
    // Undone before the listener (steps run in reverse): upgraded sockets would keep listening.close() waiting.
    undo.push(server.attach(listening.server));
    return { name: def.name, url: `${listening.url}/graphql`, db, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
