/** Entry point of a subgraph running as its own process (docker-compose): config → connect → listen. */
import { loadConfig } from '../config/index.js';
import { createInfra, mqttUrl } from '../infra/index.js';
import { createLogger } from '../logger/index.js';
import { stopOnSignals } from '../lifecycle/shutdown.js';
import { bootSubgraph } from './boot.js';
import type { BaseContext, SubgraphDefinition } from './index.js';

export async function runSubgraph<T extends BaseContext>(def: SubgraphDefinition<T>): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, `subgraph-${def.name}`);
  const infra = await createInfra(config, { mqttUrl: def.usesMqtt ? mqttUrl(config) : undefined });
  const booted = await bootSubgraph(def, { config, infra, logger, port: config.subgraphs[def.name].port, seed: false });
  logger.info({ url: booted.url }, `${def.name} subgraph ready`);
  stopOnSignals(async () => {
    await booted.stop();
    await infra.close();
  }, logger);
}
