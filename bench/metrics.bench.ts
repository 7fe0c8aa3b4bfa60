/**
 * What metrics cost a request at the gateway: two platforms in this one process on the real services, one with
 * METRICS_ENABLED=true (the default: operation plugin, subgraph fetch histogram, session-check counter, SQL counting in
 * the subgraphs) and one with METRICS_ENABLED=false, queried in alternating rounds so that the machine's noise falls
 * on both. Request ids are on in both (they cannot be switched off); their own cost, and the metrics' bookkeeping per
 * request without HTTP, is measured apart at the end. Loopback only; bounded: ROUNDS × PER_ROUND requests per query
 * and platform, then MICRO iterations.
 *   npx tsx bench/metrics.bench.ts   (needs MariaDB, Redis and Mosquitto, like the tests)
 */
import { performance } from 'node:perf_hooks';
import { acceptRequestId } from '../lib/http/request-id.js';
import { runInRequestScope } from '../lib/logger/request-scope.js';
import { createGatewayMetrics } from '../lib/metrics/index.js';
import { dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';

const WARMUP = 40;
const ROUNDS = 6;
const PER_ROUND = 60;
const MICRO = 200_000;

const QUERIES = {
  'gateway only ({ __typename })': '{ __typename }',
  'hubs (1 subgraph)': 'query BenchHubs { hubs { id name } }',
};

const configs = {
  on: realServicesConfig({ METRICS_ENABLED: 'true', RATE_LIMITS: 'off' }),
  off: realServicesConfig({ METRICS_ENABLED: 'false', RATE_LIMITS: 'off' }),
};
const platforms: Partial<Record<'on' | 'off', Platform>> = {};
try {
  for (const key of ['on', 'off'] as const) {
    platforms[key] = await startPlatform({
      config: configs[key],
      logger: silentLogger,
      ports: 'ephemeral',
      seed: true,
    });
  }
  const headers: Record<string, Record<string, string>> = {};
  for (const key of ['on', 'off'] as const) {
    const signIn = await postGraphQL(
      platforms[key]!.gatewayUrl,
      'mutation { signIn(username: "master", password: "hubgraph-demo") { accessToken } }',
    );
    headers[key] = { authorization: `Bearer ${signIn.body.data!.signIn.accessToken}` };
  }
  const run = async (key: 'on' | 'off', query: string) => {
    const r = await postGraphQL(platforms[key]!.gatewayUrl, query, {}, headers[key]);
    if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  };
  const pct = (times: number[], p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;

  for (const [name, query] of Object.entries(QUERIES)) {
    for (const key of ['on', 'off'] as const) for (let i = 0; i < WARMUP; i++) await run(key, query);
    const times = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so neither always follows the other's garbage.
      for (const key of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        for (let i = 0; i < PER_ROUND; i++) {
          const t = performance.now();
          await run(key, query);
          times[key].push(performance.now() - t);
        }
      }
    }
    for (const t of Object.values(times)) t.sort((a, b) => a - b);
    const line = (key: 'on' | 'off') =>
      `p50 ${pct(times[key], 0.5).toFixed(2)} ms  p99 ${pct(times[key], 0.99).toFixed(2)} ms`;
    console.log(`${name}: metrics on  ${line('on')}`);
    console.log(`${name}: metrics off ${line('off')}`);
    console.log(
      `${name}: on/off p50 ${(pct(times.on, 0.5) / pct(times.off, 0.5)).toFixed(3)}×, p99 ${(pct(times.on, 0.99) / pct(times.off, 0.99)).toFixed(3)}× (${times.on.length} requests each)`,
    );
  }

  // The bookkeeping itself, without HTTP: what the gateway does per request for metrics and for the request id.
  const metrics = createGatewayMetrics();
  const labels = metrics.graphql.labels;
  let t = performance.now();
  for (let i = 0; i < MICRO; i++) {
    const start = process.hrtime.bigint();
    const operation = labels.operation('BenchHubs');
    metrics.graphql.operations.inc({ operation, type: 'query', outcome: labels.outcome(undefined) });
    metrics.graphql.duration.observe({ operation, type: 'query' }, Number(process.hrtime.bigint() - start) / 1e9);
    metrics.subgraphFetch.observe({ subgraph: 'hub', outcome: 'success' }, 0.002);
    metrics.sessionChecks.inc({ result: 'hit' });
  }
  const metricsUs = ((performance.now() - t) * 1000) / MICRO;
  t = performance.now();
  for (let i = 0; i < MICRO; i++) {
    runInRequestScope(
      { requestId: acceptRequestId(i % 2 ? undefined : 'client-chosen-id'), sqlStatements: 0 },
      () => i,
    );
  }
  const requestIdUs = ((performance.now() - t) * 1000) / MICRO;
  console.log(
    `per request without HTTP: metrics bookkeeping ${metricsUs.toFixed(2)} µs (one operation, one subgraph fetch), ` +
      `request id + scope ${requestIdUs.toFixed(2)} µs`,
  );
} finally {
  for (const key of ['on', 'off'] as const) {
    await platforms[key]?.stop();
    await dropTestDatabases(configs[key]);
  }
}
