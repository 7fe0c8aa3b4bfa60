/**
 * Federated read path on the real services: the all-five query (hubs → firms/products, lockers/
 * compartments, managers/users) against a one-subgraph query, through the gateway on loopback.
 * Prints latency percentiles, SQL statements per query and the federation overhead as a ratio.
 * Bounded: WARMUP + ITERATIONS sequential requests per query, then one concurrent burst.
 *   npm run bench   (needs MariaDB, Redis and Mosquitto, like the tests)
 */
import { performance } from 'node:perf_hooks';
import { dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { REQUEST_ORIGIN } from '../lib/orm/index.js';
import { startPlatform } from '../tools/platform.js';
import { ALL_FIVE_QUERY } from '../e2e/queries.js';

const WARMUP = 30;
const ITERATIONS = 300;
const BURST = { concurrency: 16, requests: 320 };

// Far past one user's operation budget on purpose: the gateway's rate limits would measure themselves.
const config = realServicesConfig({ RATE_LIMITS: 'off' });
let statements = 0;
const platform = await startPlatform({
  config,
  logger: silentLogger,
  ports: 'ephemeral',
  seed: true,
  // Only what requests send: relays and consumers run in the same process.
  onQuery: (_subgraph, _sql, context) => {
    if (context.origin === REQUEST_ORIGIN) statements++;
  },
});
try {
  const signIn = await postGraphQL(
    platform.gatewayUrl,
    'mutation { signIn(username: "master", password: "hubgraph-demo") { accessToken } }',
  );
  const headers = { authorization: `Bearer ${signIn.body.data!.signIn.accessToken}` };
  const run = async (query: string) => {
    const r = await postGraphQL(platform.gatewayUrl, query, {}, headers);
    if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  };

  const measure = async (name: string, query: string) => {
    for (let i = 0; i < WARMUP; i++) await run(query);
    statements = 0;
    const times: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t = performance.now();
      await run(query);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    const result = { name, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), sqlPerQuery: statements / ITERATIONS };
    console.log(
      `${name.padEnd(22)} p50 ${result.p50.toFixed(2)} ms  p95 ${result.p95.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  SQL/query ${result.sqlPerQuery}`,
    );
    return result;
  };

  const single = await measure('hubs (1 subgraph)', '{ hubs { id name latitude longitude } }');
  const all = await measure('all five subgraphs', ALL_FIVE_QUERY);
  console.log(`federation overhead: all-five p50 is ${(all.p50 / single.p50).toFixed(2)}× the one-subgraph p50`);

  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: BURST.concurrency }, async () => {
      while (next++ < BURST.requests) await run(ALL_FIVE_QUERY);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `burst: ${BURST.requests} all-five queries, ${BURST.concurrency} concurrent: ${(BURST.requests / seconds).toFixed(0)} req/s`,
  );
  console.log(
    `rss after burst: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (gateway + 5 subgraphs in one process)`,
  );
} finally {
  await platform.stop();
  await dropTestDatabases(config);
}
