/**
 * The whole platform in one process: the five subgraphs and the gateway, sharing one set of
 * connections. `npm start` runs it on the configured ports; the end-to-end tests and benchmarks run it
 * on free ports against the real services. In embedded mode it is the only way to run: the in-memory
 * cache and pub/sub stand in for Redis only within one process.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../lib/config/index.js';
import { createInfra, mqttUrl, type Infra } from '../lib/infra/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../lib/infra/mqtt.js';
import type { PeerDirectory } from '../lib/federation/index.js';
import type { QueryLogContext } from '../lib/orm/index.js';
import type { Logger } from '../lib/logger/index.js';
import { bootSubgraph, type BootedSubgraph } from '../lib/subgraph/boot.js';
import { listen } from '../lib/http/index.js';
import type { SubgraphName } from '../lib/topology/index.js';
import { createGateway } from '../gateway/src/server.js';
import { loadSubgraphs } from './subgraphs.js';
import { ROOT } from './supergraph.js';

export interface PlatformOptions {
  config: Config;
  logger: Logger;
  /** 'config' listens on the configured ports; 'ephemeral' on free ones (tests). */
  ports: 'config' | 'ephemeral';
  seed: boolean;
  onQuery?: (subgraph: SubgraphName, sql: string, context: QueryLogContext) => void;
}

export interface Platform {
  gatewayUrl: string;
  subgraphs: Record<SubgraphName, BootedSubgraph>;
  infra: Infra;
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const ephemeral = options.ports === 'ephemeral';
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => logger.error({ err }, 'stop failed'));
  };
  try {
    let broker: EmbeddedBroker | undefined;
    if (!('url' in config.mqtt)) {
      broker = await startEmbeddedBroker(ephemeral ? 0 : config.mqtt.embeddedPort);
      stops.push(() => broker!.close());
    }
    const infra = await createInfra(config, { mqttUrl: broker?.url ?? mqttUrl(config), logger });
    stops.push(() => infra.close());

    // Subgraphs on free ports learn each other's URLs once all are listening (they ask only at request time).
    const urls = new Map<SubgraphName, string>();
    const peers: PeerDirectory = { url: (name) => urls.get(name) ?? config.subgraphs[name].url };
    const booted = await Promise.all(
      (await loadSubgraphs()).map((def) =>
        bootSubgraph(def, {
          peers,
          config,
          infra,
          logger,
          port: ephemeral ? 0 : config.subgraphs[def.name].port,
          seed: options.seed,
          onQuery: options.onQuery && ((sql, context) => options.onQuery!(def.name, sql, context)),
        }),
      ),
    );
    for (const b of booted) {
      stops.push(() => b.stop());
      urls.set(b.name, b.url);
    }
    const subgraphs = Object.fromEntries(booted.map((b) => [b.name, b])) as Record<SubgraphName, BootedSubgraph>;

    const supergraphSdl = await readFile(path.join(ROOT, 'schema/supergraph.graphql'), 'utf8');
    const subgraphUrls = Object.fromEntries(booted.map((b) => [b.name, b.url])) as Record<SubgraphName, string>;
    const gateway = await createGateway({
      config,
      supergraphSdl,
      subgraphUrls,
      kv: infra.kv,
      logger: logger.child({ service: 'gateway' }),
    });
    const listening = await listen(gateway.app, ephemeral ? 0 : config.gateway.port, config.host);
    gateway.attach(listening.server);
    stops.push(async () => {
      await gateway.closeSubscriptions();
      await listening.close();
      await gateway.stop();
    });
    return { gatewayUrl: `${listening.url}/graphql`, subgraphs, infra, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
