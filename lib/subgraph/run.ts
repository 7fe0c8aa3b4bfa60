/** Entry point of a subgraph running as its own process (docker-compose): config → connect → listen. */
import { loadConfig } from '../config/index.js';
import { createInfra, mqttUrl } from '../infra/index.js';
import { main } from '../lifecycle/main.js';
import { stopOnSignals } from '../lifecycle/shutdown.js';
import { createLogger } from '../logger/index.js';
import { startTracing } from '../tracing/index.js';
import { bootSubgraph } from './boot.js';
import type { BaseContext, SubgraphDefinition } from './index.js';

export async function runSubgraph<T extends BaseContext>(def: SubgraphDefinition<T>): Promise<void> {
  await main(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel, `subgraph-${def.name}`);
    const tracing = startTracing(config.tracing.otlpEndpoint, `hubgraph-${def.name}`);
    const infra = await createInfra(config, { mqttUrl: def.usesMqtt ? mqttUrl(config) : undefined, logger });
    const booted = await bootSubgraph(def, {
      config,
      infra,
      logger,
      port: config.subgraphs[def.name].port,
      seed: false,
    }).catch(async (err: unknown) => {
      await infra.close();
      throw err;
    });
    logger.info({ url: booted.url }, `${def.name} subgraph ready`);
    stopOnSignals(async () => {
      await booted.stop();
      await infra.close();
      await tracing.shutdown();
    }, logger);
  });
}
