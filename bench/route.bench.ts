/**
 * Seoul → Busan routes (docs/architecture.md §8) with a fake Kakao on 127.0.0.1 answering each call after
 * KAKAO_LATENCY_MS, on MariaDB and Redis, on the platform as deployed (bench/deployed.ts: built, one process per
 * service, on the Node that runs this file):
 * 1. one Kakao call alone (the unit of the cold figures);
 * 2. at the hub subgraph's process (with a passport, as the gateway calls it): cold (every link's cache entry
 *    deleted first, one request; then CONCURRENT requests at once), and warm p50/p99, beside a baseline request in
 *    the same run;
 * 3. through the gateway (a signed-in MEMBER): the same.
 * Goals: warm p99 ≤ 5 ms at the subgraph and ≤ 15 ms via the gateway; cold ≤ 1.3 × one call. The seed needed ~16 s
 * for this route uncached (its figure; the seed itself does not run here).
 * Bounded: COLD_TRIALS cold routes and WARM_REQUESTS warm ones per place.
 *   npx tsx bench/route.bench.ts
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AuthenticatedViewer } from '../lib/auth/viewer.js';
import { PASSPORT_HEADER, signPassport } from '../lib/auth/tokens.js';
import { testServiceUrls } from '../lib/config/index.js';
import { RedisKeyValueStore, type KeyValueStore } from '../lib/infra/kv.js';
import { postGraphQL } from '../lib/testing/index.js';
import { etaCacheKey } from '../subgraphs/hub/src/routing/eta-cache.js';
import { KakaoEtaProvider } from '../subgraphs/hub/src/routing/kakao.js';
import { readHubNetwork } from '../subgraphs/hub/src/seeders/DemoSeeder.js';
import { startFakeKakao } from '../subgraphs/hub/test/fake-kakao.js';
import { startDeployedPlatform } from './deployed.js';

const KAKAO_LATENCY_MS = 300;
const COLD_TRIALS = 5;
const CONCURRENT = 10;
const WARM_REQUESTS = 1000;
const SEED_UNCACHED_MS = 16_000;

const network = readHubNetwork();
const hubNamed = (name: string) => network.hubs.find((h) => h.name === name)!;
const SEOUL = hubNamed('서울특별시 센터');
const BUSAN = hubNamed('부산광역시 센터');
const LINK_KEYS = network.links.map((l) => etaCacheKey(l.a, l.b));
const ROUTE = `query($from: ID!, $to: ID!) {
  route(fromHubId: $from, toHubId: $to) {
    hubs { name } legs { durationSeconds distanceMeters etaSource } totalDurationSeconds totalDistanceMeters
  }
}`;
const VARIABLES = { from: SEOUL.id, to: BUSAN.id };
const HUB = 'query($id: ID!) { hub(id: $id) { name } }';
const MEMBER: AuthenticatedViewer = {
  kind: 'user',
  userId: '0190f000-0000-7000-8000-00000000beef',
  role: 'MEMBER',
  hubId: null,
  firmId: null,
  sessionId: null,
  tokenVersion: 0,
};

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const percentile = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const median = (xs: number[]) => percentile(xs, 0.5);
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

type Request = () => Promise<{ body: { data?: any; errors?: unknown } }>;

/** Milliseconds one request takes; throws unless it answered a three-leg route (or, for the floor, anything). */
async function timed(request: Request, floor = false): Promise<number> {
  const t = performance.now();
  const r = await request();
  const elapsed = performance.now() - t;
  const ok = floor ? r.body.data && !r.body.errors : !r.body.errors && r.body.data?.route?.legs.length === 3;
  if (!ok) throw new Error(`bad answer: ${JSON.stringify(r.body)}`);
  return elapsed;
}

async function cold(label: string, request: Request, kv: KeyValueStore, oneCallMs: number) {
  const single: number[] = [];
  const calls: number[] = [];
  for (let i = 0; i < COLD_TRIALS; i++) {
    await kv.del(...LINK_KEYS);
    const before = fake.calls.length;
    single.push(await timed(request));
    calls.push(fake.calls.length - before);
    const answer = await request();
    if (answer.body.data.route.legs.some((leg: { etaSource: string }) => leg.etaSource !== 'KAKAO')) {
      throw new Error('a cold route fell back to the estimate: the fake Kakao is slower than the timeout?');
    }
  }
  await kv.del(...LINK_KEYS);
  const before = fake.calls.length;
  const t = performance.now();
  await Promise.all(Array.from({ length: CONCURRENT }, () => timed(request)));
  const burst = performance.now() - t;
  const burstCalls = fake.calls.length - before;
  console.log(
    `${label} cold: median ${ms(median(single))} (min ${ms(sorted(single)[0]!)}, max ${ms(sorted(single).at(-1)!)}) ` +
      `= ${(median(single) / oneCallMs).toFixed(2)} × one call; ${calls.join('/')} Kakao calls per route; ` +
      `${(SEED_UNCACHED_MS / median(single)).toFixed(0)}× faster than the seed's ~16 s`,
  );
  console.log(
    `${label} cold, ${CONCURRENT} concurrent requests: all answered in ${ms(burst)} ` +
      `= ${(burst / oneCallMs).toFixed(2)} × one call, with ${burstCalls} Kakao calls in all (singleflight)`,
  );
}

/**
 * Warm routes, interleaved with a baseline request through the same path measured under the same load, so that the
 * route's own cost shows on a noisy machine: at the subgraph `{ __typename }` (passport, HTTP, Apollo; no resolver
 * work); through the gateway `hub(id) { name }`, which like the route makes one fetch to the hub subgraph (the
 * gateway answers `__typename` itself), though with one SQL statement where a warm route has none.
 */
async function warm(label: string, route: Request, floor: { name: string; request: Request }) {
  for (let i = 0; i < 100; i++) await Promise.all([timed(route), timed(floor.request, true)]);
  const routes: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < WARM_REQUESTS; i++) {
    routes.push(await timed(route));
    floors.push(await timed(floor.request, true));
  }
  const line = (xs: number[]) => `p50 ${ms(percentile(xs, 0.5))}  p99 ${ms(percentile(xs, 0.99))}`;
  console.log(
    `${label} warm (${WARM_REQUESTS} sequential): route ${line(routes)}; ${floor.name} in the same run ${line(floors)}; ` +
      `difference at p50 ${ms(percentile(routes, 0.5) - percentile(floors, 0.5))}`,
  );
}

const load = () => loadavg()[0]!.toFixed(1);
console.log(`load average at start: ${load()} (${availableParallelism()} cores)`);
const fake = await startFakeKakao({ latencyMs: KAKAO_LATENCY_MS });
const env = { KAKAO_REST_API_KEY: 'bench-key', KAKAO_BASE_URL: fake.url, KAKAO_TIMEOUT_MS: '5000' };
try {
  // 1. One call, as the client makes it.
  const kakao = new KakaoEtaProvider({ apiKey: 'bench-key', baseUrl: fake.url, timeoutMs: 5000 });
  const oneCall: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await kakao.eta(SEOUL, BUSAN);
    oneCall.push(performance.now() - t);
  }
  const oneCallMs = median(oneCall);
  console.log(`one Kakao call (fake, ${KAKAO_LATENCY_MS} ms latency): median ${ms(oneCallMs)}`);

  const platform = await startDeployedPlatform({ env: { ...env, RATE_LIMITS: 'off' } });
  const kv = await RedisKeyValueStore.connect(testServiceUrls().redisUrl, platform.redisPrefix, (err) => {
    throw err;
  });
  try {
    console.log(`services on Node ${process.version}`);
    // 2. At the subgraph.
    const hubUrl = platform.subgraphUrl('hub');
    const passport = await signPassport(MEMBER, 'hub', { secret: platform.passportSecret, ttlSeconds: 3600 });
    const atHub =
      (query: string, variables: Record<string, unknown> = {}): Request =>
      () =>
        postGraphQL(hubUrl, query, variables, { [PASSPORT_HEADER]: passport });
    await cold('subgraph', atHub(ROUTE, VARIABLES), kv, oneCallMs);
    await warm('subgraph', atHub(ROUTE, VARIABLES), { name: '{ __typename }', request: atHub('{ __typename }') });

    // 3. Through the gateway.
    await kv.del(...LINK_KEYS);
    const { gatewayUrl } = platform;
    const signIn = await postGraphQL(
      gatewayUrl,
      'mutation { signIn(username: "member", password: "hubgraph-demo") { accessToken } }',
    );
    const headers = { authorization: `Bearer ${signIn.body.data!.signIn.accessToken}` };
    const request: Request = () => postGraphQL(gatewayUrl, ROUTE, VARIABLES, headers);
    await cold('gateway', request, kv, oneCallMs);
    await warm('gateway', request, {
      name: 'hub(id) { name }',
      request: () => postGraphQL(gatewayUrl, HUB, { id: SEOUL.id }, headers),
    });
  } finally {
    await kv.close();
    await platform.stop();
  }
} finally {
  await fake.close();
  console.log(`load average at the end: ${load()}`);
}
