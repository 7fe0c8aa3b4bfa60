/**
 * How fast the gateway refuses the attack probe's queries, as a signed-up MEMBER would send them, on the real
 * MariaDB, Redis and Mosquitto: 50 levels of `neighbors` and 1,000 aliases of the all-five query (and 100
 * aliases, which parse but exceed the alias limit), beside a legitimate all-five query in the same run. Prints
 * p50 and max per query, the refusal code, the process's RSS before and after, and /healthz at the end.
 * Bounded: ROUNDS requests per query, sequential, on loopback.
 *   npx tsx bench/limits.bench.ts
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Supergraph } from '@apollo/federation-internals';
import { checkDemand, DEFAULT_LIMITS, parseDocument } from '../gateway/src/limits/index.js';
import { SUPERGRAPH_PATH } from '../tools/supergraph.js';
import { dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { startPlatform } from '../tools/platform.js';
import { ALL_FIVE_QUERY } from '../e2e/queries.js';
import { enforceableSupergraph } from '../gateway/src/authz/index.js';

const ROUNDS = 30;
// Far past one user's operation budget on purpose: the gateway's rate limits would measure themselves.
const config = realServicesConfig({ RATE_LIMITS: 'off' });
const platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: true });
const mib = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);
try {
  const signUp = await postGraphQL(
    platform.gatewayUrl,
    'mutation { signUp(input: { username: "prober", password: "correct-horse-9", name: "Prober" }) { accessToken } }',
  );
  const headers = { authorization: `Bearer ${signUp.body.data!.signUp.accessToken}` };
  const selection = ALL_FIVE_QUERY.replace(/^\s*query AllFive \{\s*hubs/m, '').replace(/\}\s*$/, '');
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: hubs ${selection}`).join('\n')} }`;
  const queries: [string, string][] = [
    ['depth-50 neighbors', `{ hubs { name ${'neighbors { name '.repeat(50)}${'} '.repeat(50)}} }`],
    ['1,000 aliases of all-five', aliases(1000)],
    ['100 aliases of all-five', aliases(100)],
    ['all-five (legitimate)', ALL_FIVE_QUERY],
  ];
  console.log(`RSS before: ${mib()} MiB (gateway + 5 subgraphs in one process)`);
  for (const [name, query] of queries) {
    const times: number[] = [];
    let outcome = '';
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      const r = await postGraphQL(platform.gatewayUrl, query, {}, headers);
      times.push(performance.now() - t);
      outcome = `${r.status} ${r.body.errors?.[0]?.extensions?.code ?? 'data'}`;
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length / 2)]!;
    console.log(
      `${name.padEnd(26)} ${outcome.padEnd(24)} p50 ${p50.toFixed(1)} ms  max ${times.at(-1)!.toFixed(1)} ms  (${(query.length / 1024).toFixed(1)} KiB)`,
    );
  }
  const health = await fetch(platform.gatewayUrl.replace(/graphql$/, 'healthz'));
  console.log(`RSS after: ${mib()} MiB; /healthz ${health.status}`);

  // What demand control adds to every legitimate request: parse with the token cap, then depth/aliases/cost.
  const apiSchema = Supergraph.build(enforceableSupergraph(await readFile(SUPERGRAPH_PATH, 'utf8')))
    .apiSchema()
    .toGraphQLJSSchema();
  const CHECKS = 2000;
  const t = performance.now();
  for (let i = 0; i < CHECKS; i++) checkDemand(apiSchema, { document: parseDocument(ALL_FIVE_QUERY, DEFAULT_LIMITS) });
  console.log(
    `demand check of the all-five query (parse + measure): ${(((performance.now() - t) / CHECKS) * 1000).toFixed(0)} µs per request`,
  );
} finally {
  await platform.stop();
  await dropTestDatabases(config);
}
