/** The gateway as its own process (docker-compose): reads the committed supergraph and listens. */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../lib/config/index.js';
import { createLogger } from '../../lib/logger/index.js';
import { stopOnSignals } from '../../lib/lifecycle/shutdown.js';
import { listen } from '../../lib/http/index.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/topology/index.js';
import { createGateway } from './server.js';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'gateway');
const supergraphSdl = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, config.subgraphs[name].url])) as Record<
  SubgraphName,
  string
>;
const gateway = await createGateway({ config, supergraphSdl, subgraphUrls, logger });
const listening = await listen(gateway.app, config.gateway.port, config.host);
gateway.attach(listening.server);
logger.info({ url: `${listening.url}/graphql` }, 'gateway ready');
stopOnSignals(async () => {
  await listening.close();
  await gateway.stop();
}, logger);
