/**
 * Prometheus metrics (prom-client): every metric of the platform is defined here, in one place, with its labels.
 *
 * Registries. Each service (the gateway, each subgraph) gets its own Registry whose default label `service` names
 * it, rather than one shared registry: the all-in-one launcher (tools/platform.ts) runs the gateway and the five
 * subgraphs in one process, where one registry would make `hubgraph_graphql_operations_total` of the gateway and of
 * each subgraph collide (prom-client refuses a name twice), while separate registries keep each service's /metrics
 * the same whether it runs alone or beside the others, and let tests start several platforms in one process. The
 * process's own figures (CPU, memory, event loop, GC: prom-client's default metrics) describe the process, not a
 * service: they are collected once per process in a registry of their own (processRegistry) that every /metrics
 * serves beside its service's. That registry is the one module-level singleton here, on purpose: there is one
 * process.
 *
 * Cardinality. Label values that come from clients are bounded: operation names (OperationLabels: `anonymous`, the
 * first MAX_OPERATION_NAMES distinct names, then `other`) and error codes (the first MAX_ERROR_CODES, then
 * `OTHER_ERROR`). Everything else is a fixed set chosen in code.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Registry };

/** Distinct operation names counted per service before new ones are counted as `other`. */
export const MAX_OPERATION_NAMES = 200;
/** Distinct error codes counted per service before new ones are counted as `OTHER_ERROR`. */
export const MAX_ERROR_CODES = 60;

/** Operation label of an operation without a name. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** Operation label of names past the cap (and of names that are not GraphQL names). */
export const OTHER_OPERATION = 'other';
/** Operation label of a request whose document never parsed or validated: its name means nothing yet. */
export const INVALID_OPERATION = 'invalid';
/** Outcome label of an operation answered without errors. */
export const SUCCESS = 'success';
const OTHER_ERROR = 'OTHER_ERROR';

const OPERATION_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FETCH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const SQL_BUCKETS = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89];

let processRegistry: Registry | undefined;

/** The process's default metrics (process_*, nodejs_*), collected once per process, whatever the services in it. */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * A bounded label: the first `max` distinct values pass, later new ones become `overflow`. Values seen once keep
 * passing, so a name's series never moves to `overflow` after it was counted under its own name.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly overflow: string,
  ) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return this.overflow;
    this.seen.add(value);
    return value;
  }
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The label values of one service's operations: names and outcomes, both bounded. */
export class OperationLabels {
  private readonly names: BoundedLabel;
  private readonly codes = new BoundedLabel(MAX_ERROR_CODES, OTHER_ERROR);

  constructor(maxNames = MAX_OPERATION_NAMES) {
    this.names = new BoundedLabel(maxNames, OTHER_OPERATION);
  }

  /** `null`/empty → `anonymous`; a GraphQL name → itself while fewer than the cap were seen, else `other`. */
  operation(name: string | null | undefined): string {
    if (!name) return ANONYMOUS_OPERATION;
    return GRAPHQL_NAME.test(name) ? this.names.of(name) : OTHER_OPERATION;
  }

  /** `success` without errors; else the first error's `extensions.code` (bounded), `INTERNAL_SERVER_ERROR` without one. */
  outcome(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): string {
    if (!errors?.length) return SUCCESS;
    const code = errors[0]!.extensions?.code;
    if (typeof code !== 'string') return 'INTERNAL_SERVER_ERROR';
    return ERROR_CODE.test(code) ? this.codes.of(code) : OTHER_ERROR;
  }
}

/** GraphQL operations served by one service (gateway or subgraph). */
export interface GraphQLMetrics {
  labels: OperationLabels;
  /** `hubgraph_graphql_operations_total{operation, type, outcome}` */
  operations: Counter<'operation' | 'type' | 'outcome'>;
  /** `hubgraph_graphql_operation_duration_seconds{operation, type}` */
  duration: Histogram<'operation' | 'type'>;
}

function serviceRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  return registry;
}

function graphqlMetrics(registry: Registry): GraphQLMetrics {
  return {
    labels: new OperationLabels(),
    operations: new Counter({
      name: 'hubgraph_graphql_operations_total',
      help: 'GraphQL operations answered, by operation name (bounded), type and outcome (success or error code)',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'hubgraph_graphql_operation_duration_seconds',
      help: 'Time from receiving a GraphQL request to sending its response, by operation name (bounded) and type',
      labelNames: ['operation', 'type'],
      buckets: OPERATION_BUCKETS,
      registers: [registry],
    }),
  };
}

export interface GatewayMetrics {
  registry: Registry;
  graphql: GraphQLMetrics;
  /** `hubgraph_gateway_subgraph_fetch_duration_seconds{subgraph, outcome}`: success, error (GraphQL errors), failure, timeout. */
  subgraphFetch: Histogram<'subgraph' | 'outcome'>;
  /** `hubgraph_gateway_active_subscriptions{transport}`: ws, sse, multipart. */
  activeSubscriptions: Gauge<'transport'>;
  /** `hubgraph_gateway_session_checks_total{result}`: hit (answered from the cache) or miss (asked the store). */
  sessionChecks: Counter<'result'>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = serviceRegistry('gateway');
  return {
    registry,
    graphql: graphqlMetrics(registry),
    subgraphFetch: new Histogram({
      name: 'hubgraph_gateway_subgraph_fetch_duration_seconds',
      help: 'Duration of the gateway fetches to subgraphs (queries, mutations and per-event subscription fetches)',
      labelNames: ['subgraph', 'outcome'],
      buckets: FETCH_BUCKETS,
      registers: [registry],
    }),
    activeSubscriptions: new Gauge({
      name: 'hubgraph_gateway_active_subscriptions',
      help: 'Live client subscriptions on this gateway, by transport',
      labelNames: ['transport'],
      registers: [registry],
    }),
    sessionChecks: new Counter({
      name: 'hubgraph_gateway_session_checks_total',
      help: 'Session checks of signed-in requests: hit = answered from the short cache, miss = asked the key-value store',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

/** What a subgraph's outbox holds that was not relayed yet (read when /metrics is scraped). */
export interface OutboxBacklog {
  rows: number;
  /** Age of the oldest unrelayed row, in seconds; 0 when none. */
  oldestAgeSeconds: number;
}

export interface SubgraphMetrics {
  registry: Registry;
  graphql: GraphQLMetrics;
  /** `hubgraph_subgraph_sql_statements_per_request{operation}` */
  sqlPerRequest: Histogram<'operation'>;
  /** `hubgraph_mqtt_messages_total{direction, kind}`: in (device messages by topic kind), out (commands). */
  mqttMessages: Counter<'direction' | 'kind'>;
  /** `hubgraph_mqtt_messages_dropped_total{reason}` */
  mqttDropped: Counter<'reason'>;
  /** `hubgraph_outbox_relay_delay_seconds`: from recording an event (its commit) to its publication by the relay. */
  outboxRelayDelay: Histogram;
  /** `hubgraph_event_handling_lag_seconds{outcome}`: from the event's `occurredAt` to its handling by this subgraph. */
  eventHandlingLag: Histogram<'outcome'>;
  /** `hubgraph_eta_cache_lookups_total{result}`: fresh, stale (served and refreshed), miss. */
  etaCacheLookups: Counter<'result'>;
}

export interface SubgraphMetricsOptions {
  /** Reads the outbox backlog at scrape time (subgraphs with an outbox); sets the outbox gauges. */
  outboxBacklog?: () => Promise<OutboxBacklog>;
}

export function createSubgraphMetrics(name: string, options: SubgraphMetricsOptions = {}): SubgraphMetrics {
  const registry = serviceRegistry(name);
  const { outboxBacklog } = options;
  if (outboxBacklog) {
    // Both gauges from one read per scrape; a failed read leaves the last values (and is not worth a log line
    // per scrape: the relay logs its own failures).
    let pending: Promise<OutboxBacklog | undefined> | undefined;
    const read = () =>
      (pending ??= outboxBacklog()
        .catch(() => undefined)
        .finally(() => (pending = undefined)));
    new Gauge({
      name: 'hubgraph_outbox_lag_seconds',
      help: 'Age of the oldest outbox row not relayed yet (0 when the outbox is empty)',
      registers: [registry],
      async collect() {
        const backlog = await read();
        if (backlog) this.set(backlog.oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'hubgraph_outbox_pending_events',
      help: 'Outbox rows not relayed yet',
      registers: [registry],
      async collect() {
        const backlog = await read();
        if (backlog) this.set(backlog.rows);
      },
    });
  }
  return {
    registry,
    graphql: graphqlMetrics(registry),
    sqlPerRequest: new Histogram({
      name: 'hubgraph_subgraph_sql_statements_per_request',
      help: 'SQL statements one GraphQL request sent (its own EntityManager only, background work excluded)',
      labelNames: ['operation'],
      buckets: SQL_BUCKETS,
      registers: [registry],
    }),
    mqttMessages: new Counter({
      name: 'hubgraph_mqtt_messages_total',
      help: 'MQTT messages: in = device messages received, by topic kind; out = commands published, by kind',
      labelNames: ['direction', 'kind'],
      registers: [registry],
    }),
    mqttDropped: new Counter({
      name: 'hubgraph_mqtt_messages_dropped_total',
      help: 'Device messages dropped, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    outboxRelayDelay: new Histogram({
      name: 'hubgraph_outbox_relay_delay_seconds',
      help: 'Time from recording an event in the outbox to the relay publishing it',
      buckets: LAG_BUCKETS,
      registers: [registry],
    }),
    eventHandlingLag: new Histogram({
      name: 'hubgraph_event_handling_lag_seconds',
      help: 'Time from an event occurring to this subgraph handling it, by outcome (handled, duplicate, ignored, failed)',
      labelNames: ['outcome'],
      buckets: LAG_BUCKETS,
      registers: [registry],
    }),
    etaCacheLookups: new Counter({
      name: 'hubgraph_eta_cache_lookups_total',
      help: 'Link ETA cache lookups: fresh, stale (served, refreshed in the background) or miss (provider asked)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

/** The text a /metrics scrape gets: the process's default metrics, then the service's. */
export async function metricsText(registry: Registry): Promise<string> {
  const [processText, serviceText] = await Promise.all([processMetricsRegistry().metrics(), registry.metrics()]);
  return `${processText}\n${serviceText}`;
}

/** Seconds elapsed since a `process.hrtime.bigint()` reading. */
export const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
