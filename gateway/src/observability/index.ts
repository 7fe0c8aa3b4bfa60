/**
 * The gateway's observability (docs/architecture.md, "Observability"): its metrics (lib/metrics), GET /metrics, the
 * operation plugin, subgraph fetch timing and live subscriptions. Request ids are lib/http's `requestScope()`,
 * mounted by server.ts; auth.ts sends them to the subgraphs.
 */
import cluster from 'node:cluster';
import type { RequestHandler } from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Config } from '../../../lib/config/index.js';
import type { Logger } from '../../../lib/logger/index.js';
import { operationLogPlugin, operationMetricsPlugin } from '../../../lib/metrics/apollo.js';
import { metricsEndpoint } from '../../../lib/metrics/http.js';
import { clusterMetricsText } from '../../../lib/metrics/cluster.js';
import { createGatewayMetrics, processMetricsRegistry, type GatewayMetrics } from '../../../lib/metrics/index.js';

export { observeFetches } from './fetch.js';
export { countedSubscriptions, type SubscriptionTransport } from './subscriptions.js';

export interface GatewayObservability {
  /** Absent with METRICS_ENABLED=false. */
  metrics?: GatewayMetrics;
  /** Apollo plugins to add: the debug line per operation, and the operation metrics when metrics are on. */
  plugins: ApolloServerPlugin<any>[];
  /** GET /metrics, or undefined when metrics are off. */
  endpoint?: RequestHandler;
}

export function gatewayObservability(config: Config, logger: Logger): GatewayObservability {
  const log = operationLogPlugin(logger);
  if (!config.metrics.enabled) return { plugins: [log] };
  const metrics = createGatewayMetrics();
  // A worker of GATEWAY_WORKERS answers a scrape with the whole cluster's figures (lib/metrics/cluster.ts).
  const text = cluster.isWorker ? clusterMetricsText([processMetricsRegistry(), metrics.registry]) : undefined;
  return {
    metrics,
    plugins: [log, operationMetricsPlugin(metrics.graphql)],
    endpoint: metricsEndpoint(metrics.registry, { public: config.metrics.public, text }),
  };
}
