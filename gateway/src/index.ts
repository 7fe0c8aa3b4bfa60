/**
 * The gateway as its own process (docker-compose): reads the committed supergraph and listens.
 *
 * `SUPERGRAPH_PATH=<file>` serves another supergraph instead, at the subgraph URLs written in it, so that a standard
 * federation benchmark can be pointed at this gateway (as at Router or Hive Gateway). `GATEWAY_WORKERS=<n>` runs n
 * processes (node:cluster) sharing the port, one per core being the useful maximum; each worker holds its own
 * subscriptions (a WebSocket stays with the worker that accepted it) and its own session-check cache; /metrics
 * answers with every worker's figures (lib/metrics/cluster.ts).
 */
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig, type Config } from '../../lib/config/index.js';
import { createInfra } from '../../lib/infra/index.js';
import { createLogger, type Logger } from '../../lib/logger/index.js';
import { startTracing } from '../../lib/tracing/index.js';
import { main } from '../../lib/lifecycle/main.js';
import { stopOnSignals } from '../../lib/lifecycle/shutdown.js';
import { listen } from '../../lib/http/index.js';
import { serveClusterMetrics } from '../../lib/metrics/cluster.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/topology/index.js';
import { createGateway } from './server.js';

await main(async () => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gateway');
  if (config.gateway.workers > 1 && cluster.isPrimary) return superviseWorkers(config, logger);
  await serve(config, logger);
});

async function serve(config: Config, logger: Logger) {
  const foreign = config.gateway.supergraphPath;
  const supergraphSdl = await readFile(foreign ?? new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  const subgraphUrls = foreign
    ? 'supergraph'
    : (Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, config.subgraphs[name].url])) as Record<
        SubgraphName,
        string
      >);
  // On its own, the gateway shares nothing in memory with the user subgraph: only Redis carries sign-outs and
  // role changes to it (lib/auth/sessions.ts). Without it, revoked tokens would keep working.
  // A foreign supergraph has no Hubgraph user subgraph writing sessions: there REDIS_URL is optional, and without it
  // the session check reads an empty in-memory store, so every signed-in token is refused (never wrongly accepted)
  // while anonymous requests pass with an anonymous passport.
  if (!foreign && !('url' in config.redis)) {
    throw new ConfigError('The gateway as its own process needs REDIS_URL (the user subgraph records sessions there)');
  }
  const tracing = startTracing(config.tracing.otlpEndpoint, 'hubgraph-gateway');
  const infra = await createInfra(config, { logger });
  const gateway = await createGateway({ config, supergraphSdl, subgraphUrls, kv: infra.kv, logger });
  const listening = await listen(gateway.app, config.gateway.port, config.host);
  gateway.attach(listening.server);
  logger.info({ url: `${listening.url}/graphql`, supergraph: foreign, pid: process.pid }, 'gateway ready');
  stopOnSignals(async () => {
    await gateway.closeSubscriptions();
    await listening.close();
    await gateway.stop();
    await infra.close();
    await tracing.shutdown();
  }, logger);
}

/**
 * The primary of GATEWAY_WORKERS: forks the workers (each runs `serve`; node:cluster hands them the connections of
 * one port, round robin), restarts one that dies unexpectedly, and passes SIGTERM/SIGINT on to them.
 */
function superviseWorkers(config: Config, logger: Logger) {
  let stopping = false;
  const started = Date.now();
  const fork = () => cluster.fork();
  // A scrape of /metrics lands on one worker, which asks here for every worker's figures.
  if (config.metrics.enabled) serveClusterMetrics();
  for (let i = 0; i < config.gateway.workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'gateway worker died; starting another');
    // A worker that fails at start-up (a bad supergraph, Redis down) would fail again at once: give up instead.
    if (Date.now() - started < 10_000) {
      process.exitCode = 1;
      return stop();
    }
    fork();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  logger.info({ workers: config.gateway.workers }, 'gateway primary started');
}
