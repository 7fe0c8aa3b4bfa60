/** lib/metrics: names and labels, services side by side in one process, bounded labels, the plugin, who may read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { operationMetricsPlugin } from './apollo.js';
import { metricValue } from '../testing/metrics.js';
import { mayReadMetrics } from './http.js';
import {
  createGatewayMetrics,
  createSubgraphMetrics,
  metricsText,
  OperationLabels,
  type GraphQLMetrics,
} from './index.js';

/** `name{a="b",c="d"}` → the sample's value, whatever the order of the labels. */
function sample(text: string, series: string): number | undefined {
  const [, name, labels] = /^([^{]+)(?:\{(.*)\})?$/.exec(series)!;
  return metricValue(
    text,
    name!,
    Object.fromEntries([...(labels ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])),
  );
}

test('the gateway and five subgraphs in one process: no name collides, each service is labelled', async () => {
  const gateway = createGatewayMetrics();
  const subgraphs = ['user', 'order', 'hub', 'delivery', 'locker'].map((name) =>
    createSubgraphMetrics(name, { outboxBacklog: async () => ({ rows: 3, oldestAgeSeconds: 1.5 }) }),
  );
  // And a second platform in the same process (tests start several): still no collision.
  createGatewayMetrics();
  gateway.graphql.operations.inc({ operation: 'Hubs', type: 'query', outcome: 'success' });
  gateway.subgraphFetch.observe({ subgraph: 'hub', outcome: 'success' }, 0.01);
  gateway.activeSubscriptions.inc({ transport: 'ws' });
  gateway.sessionChecks.inc({ result: 'hit' });
  const text = await metricsText(gateway.registry);
  assert.equal(
    sample(
      text,
      'hubgraph_graphql_operations_total{operation="Hubs",type="query",outcome="success",service="gateway"}',
    ),
    1,
  );
  assert.equal(
    sample(
      text,
      'hubgraph_gateway_subgraph_fetch_duration_seconds_count{subgraph="hub",outcome="success",service="gateway"}',
    ),
    1,
  );
  assert.equal(sample(text, 'hubgraph_gateway_active_subscriptions{transport="ws",service="gateway"}'), 1);
  assert.equal(sample(text, 'hubgraph_gateway_session_checks_total{result="hit",service="gateway"}'), 1);
  // The process's default metrics come with every service's /metrics, once.
  assert.equal(text.split('\n').filter((l) => l.startsWith('# TYPE process_cpu_user_seconds_total ')).length, 1);

  const hub = subgraphs[2]!;
  hub.mqttMessages.inc({ direction: 'in', kind: 'state' });
  hub.etaCacheLookups.inc({ result: 'miss' }, 18);
  hub.outboxRelayDelay.observe(0.02);
  hub.eventHandlingLag.observe({ outcome: 'handled' }, 0.03);
  hub.sqlPerRequest.observe({ operation: 'Hubs' }, 2);
  const hubText = await metricsText(hub.registry);
  assert.equal(sample(hubText, 'hubgraph_mqtt_messages_total{direction="in",kind="state",service="hub"}'), 1);
  assert.equal(sample(hubText, 'hubgraph_eta_cache_lookups_total{result="miss",service="hub"}'), 18);
  assert.equal(sample(hubText, 'hubgraph_outbox_relay_delay_seconds_count{service="hub"}'), 1);
  assert.equal(sample(hubText, 'hubgraph_event_handling_lag_seconds_count{outcome="handled",service="hub"}'), 1);
  assert.equal(sample(hubText, 'hubgraph_subgraph_sql_statements_per_request_sum{operation="Hubs",service="hub"}'), 2);
  // Read at scrape time from the outbox.
  assert.equal(sample(hubText, 'hubgraph_outbox_lag_seconds{service="hub"}'), 1.5);
  assert.equal(sample(hubText, 'hubgraph_outbox_pending_events{service="hub"}'), 3);
  // A service's /metrics holds none of another's series.
  assert.ok(!hubText.includes('service="gateway"'));
});

test('a subgraph without an outbox has no outbox gauges', async () => {
  const text = await metricsText(createSubgraphMetrics('user').registry);
  assert.ok(!text.includes('hubgraph_outbox_lag_seconds'));
});

test('operation names are bounded: anonymous, the first N names, then other; names seen keep their series', () => {
  const labels = new OperationLabels(3);
  assert.equal(labels.operation(null), 'anonymous');
  assert.equal(labels.operation(''), 'anonymous');
  assert.deepEqual(
    ['A', 'B', 'C', 'D', 'E'].map((n) => labels.operation(n)),
    ['A', 'B', 'C', 'other', 'other'],
  );
  assert.equal(labels.operation('B'), 'B');
  // Not a GraphQL name (a client's raw operationName could be anything): never a label of its own.
  assert.equal(new OperationLabels(3).operation('x"}\n'), 'other');
  assert.equal(new OperationLabels(3).operation('a'.repeat(101)), 'other');
});

test('outcomes: success, the first error code, bounded; an error without a code is INTERNAL_SERVER_ERROR', () => {
  const labels = new OperationLabels();
  assert.equal(labels.outcome(undefined), 'success');
  assert.equal(labels.outcome([]), 'success');
  assert.equal(
    labels.outcome([{ extensions: { code: 'FORBIDDEN' } }, { extensions: { code: 'NOT_FOUND' } }]),
    'FORBIDDEN',
  );
  assert.equal(labels.outcome([{}]), 'INTERNAL_SERVER_ERROR');
  assert.equal(labels.outcome([{ extensions: { code: 'not a code' } }]), 'OTHER_ERROR');
  const many = Array.from({ length: 100 }, (_, i) => labels.outcome([{ extensions: { code: `CODE_${i}` } }]));
  assert.ok(new Set(many).size <= 61, 'at most MAX_ERROR_CODES codes, then OTHER_ERROR');
  assert.equal(many.at(-1), 'OTHER_ERROR');
});

test('the plugin counts operations by name and outcome, and times them', async () => {
  const gateway = createGatewayMetrics();
  const metrics: GraphQLMetrics = gateway.graphql;
  const server = new ApolloServer({
    typeDefs: 'type Query { ok: Int, denied: Int }',
    resolvers: {
      Query: {
        ok: () => 1,
        denied: () => {
          throw new GraphQLError('no', { extensions: { code: 'FORBIDDEN' } });
        },
      },
    },
    plugins: [operationMetricsPlugin(metrics)],
  });
  await server.start();
  try {
    await server.executeOperation({ query: 'query Ok { ok }' });
    await server.executeOperation({ query: 'query Ok { ok }' });
    await server.executeOperation({ query: '{ denied }' });
    await server.executeOperation({ query: 'query Broken { nope }' });
  } finally {
    await server.stop();
  }
  const text = await gateway.registry.metrics();
  const series = (labels: string) => sample(text, `hubgraph_graphql_operations_total{${labels},service="gateway"}`);
  assert.equal(series('operation="Ok",type="query",outcome="success"'), 2);
  assert.equal(series('operation="anonymous",type="query",outcome="FORBIDDEN"'), 1);
  assert.equal(series('operation="invalid",type="unknown",outcome="GRAPHQL_VALIDATION_FAILED"'), 1);
  assert.equal(
    sample(text, 'hubgraph_graphql_operation_duration_seconds_count{operation="Ok",type="query",service="gateway"}'),
    2,
  );
});

test('/metrics: only local clients that came through no proxy, unless public', () => {
  const req = (remoteAddress: string, headers: Record<string, string> = {}) =>
    ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;
  assert.equal(mayReadMetrics(req('127.0.0.1')), true);
  assert.equal(mayReadMetrics(req('::1')), true);
  assert.equal(mayReadMetrics(req('::ffff:127.0.0.1')), true);
  assert.equal(mayReadMetrics(req('10.0.0.5')), false);
  assert.equal(mayReadMetrics(req('::ffff:10.0.0.5')), false);
  // A reverse proxy on this machine: every client would look local.
  assert.equal(mayReadMetrics(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })), false);
  assert.equal(mayReadMetrics(req('127.0.0.1', { forwarded: 'for=203.0.113.9' })), false);
  assert.equal(mayReadMetrics(req('10.0.0.5'), { public: true }), true);
});
