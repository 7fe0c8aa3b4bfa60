/** The gateway as its own process (docker-compose): reads the committed supergraph and listens. */
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig } from '../../lib/config/index.js';
import { createInfra } from '../../lib/infra/index.js';
import { createLogger } from '../../lib/logger/index.js';
import { main } from '../../lib/lifecycle/main.js';
import { stopOnSignals } from '../../lib/lifecycle/shutdown.js';
import { listen } from '../../lib/http/index.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/topology/index.js';
import { createGateway } from './server.js';

await main(async () => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gateway');
  const supergraphSdl = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, config.subgraphs[name].url])) as Record<
    SubgraphName,
    string
  >;
  // On its own, the gateway shares nothing in memory with the user subgraph: only Redis carries sign-outs and
  // role changes to it (lib/auth/sessions.ts). Without it, revoked tokens would keep working.
  if (!('url' in config.redis)) {
    throw new ConfigError('The gateway as its own process needs REDIS_URL (the user subgraph records sessions there)');
  }
  const infra = await createInfra(config, { logger });
  const gateway = await createGateway({ config, supergraphSdl, subgraphUrls, kv: infra.kv, logger });
  const listening = await listen(gateway.app, config.gateway.port, config.host);
  gateway.attach(listening.server);
  logger.info({ url: `${listening.url}/graphql` }, 'gateway ready');
  stopOnSignals(async () => {
    await gateway.closeSubscriptions();
    await listening.close();
    await gateway.stop();
    await infra.close();
  }, logger);
});
