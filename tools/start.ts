/**
 * `npm start`: the gateway and all five subgraphs in one process. With nothing configured it runs on
 * embedded defaults (SQLite per subgraph, in-memory cache/pub-sub, in-process MQTT broker) and seeds
 * the demo data; with DATABASE_URL/REDIS_URL/MQTT_URL it runs on the real services.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../lib/config/index.js';
import { main } from '../lib/lifecycle/main.js';
import { stopOnSignals } from '../lib/lifecycle/shutdown.js';
import { createLogger } from '../lib/logger/index.js';
import { startTracing } from '../lib/tracing/index.js';
import { startPlatform } from './platform.js';

await main(async () => {
  const started = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'hubgraph');
  const tracing = startTracing(config.tracing.otlpEndpoint, 'hubgraph');
  const platform = await startPlatform({ config, logger, ports: 'config', seed: config.env !== 'production' });
  const ms = Math.round(performance.now() - started);

  const mode = [
    config.database.kind === 'sqlite' ? `SQLite in ${config.database.dir}` : 'MySQL/MariaDB',
    'url' in config.redis ? 'Redis' : 'in-memory cache/pub-sub',
    'url' in config.mqtt ? `MQTT ${config.mqtt.url}` : `embedded MQTT on 127.0.0.1:${config.mqtt.embeddedPort}`,
  ].join(', ');
  logger.info({ startupMs: ms, mode }, 'platform ready');
  const base = platform.gatewayUrl.replace(/\/graphql$/, '');
  console.log(`\nHubgraph is up (${mode}); the platform took ${ms} ms after Node loaded it.`);
  console.log(`Apollo Sandbox: ${platform.gatewayUrl}   (needs internet; offline IDE: ${base}/graphiql)`);
  console.log(`Demo users: master, hub_manager, delivery_manager, firm_manager, member (password "hubgraph-demo").\n`);
  stopOnSignals(async () => {
    await platform.stop();
    await tracing.shutdown();
  }, logger);
});
