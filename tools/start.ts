/**
 * `npm start`: the gateway and all five subgraphs in one process. With nothing configured it runs on
 * embedded defaults (SQLite per subgraph, in-memory cache/pub-sub, in-process MQTT broker) and seeds
 * the demo data; with DATABASE_URL/REDIS_URL/MQTT_URL it runs on the real services.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../lib/config/index.js';
import { createLogger } from '../lib/logger/index.js';
import { stopOnSignals } from '../lib/lifecycle/shutdown.js';
import { startPlatform } from './platform.js';

const started = performance.now();
const config = loadConfig();
const logger = createLogger(config.logLevel, 'hubgraph');
const platform = await startPlatform({ config, logger, ports: 'config', seed: config.env !== 'production' });
const ms = Math.round(performance.now() - started);

const mode = [
  config.database.kind === 'sqlite' ? `SQLite in ${config.database.dir}` : 'MySQL/MariaDB',
  'url' in config.redis ? 'Redis' : 'in-memory cache/pub-sub',
  'url' in config.mqtt ? `MQTT ${config.mqtt.url}` : `embedded MQTT on 127.0.0.1:${config.mqtt.embeddedPort}`,
].join(', ');
logger.info({ startupMs: ms, mode }, 'platform ready');
console.log(`\nHubgraph is up in ${ms} ms (${mode}).`);
console.log(`Apollo Sandbox: ${platform.gatewayUrl}`);
console.log(`Demo users: master, hub_manager, delivery_manager, firm_manager, member (password "hubgraph-demo").\n`);
stopOnSignals(() => platform.stop(), logger);
