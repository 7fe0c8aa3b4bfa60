/**
 * Our gateway against stock @apollo/gateway (+ @apollo/server) and Hive Gateway, on one federated benchmark of our
 * own (bench/gateway/subgraphs.ts: four subgraphs, 100 orders with nested entity fetches across all of them).
 *
 * All in one run, one gateway at a time, every process a child of this one on 127.0.0.1: the four subgraphs, then
 * each gateway in turn on a supergraph file written with the subgraphs' URLs (ours through SUPERGRAPH_PATH, as an
 * operator would run it). Each gateway gets a warm-up, then autocannon at CONNECTIONS connections for DURATION
 * seconds. Every answer is checked: the first one against the expected JSON built from the data, then every answer
 * under load byte for byte against that first one; non-2xx, errors and wrong bodies are counted and fail the run.
 * Prints RPS, p50/p99 latency, the gateway's RSS (peak and end, all its processes) and CPU per request, subgraph
 * fetches per request, and the ratios of ours to stock and to Hive.
 *
 * This project's machine has 2 cores, shared by the gateway, the four subgraphs and autocannon: nothing is pinned, so
 * the figures are noisy; the ratios of one run are what to compare, and `--rounds=N` repeats the whole comparison.
 *
 *   npm run bench:gateway -- [--duration=10] [--warmup=3] [--connections=50] [--rounds=1]
 *                            [--only=stock,hive,ours,ours-2w] [--cpu-prof=<dir>]   (profiles our gateway)
 * Bounded: stops by itself (about 4 × (warm-up + duration + 5) s per round) and kills only its own children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { deepStrictEqual } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { freePort } from '../../lib/testing/index.js';
import {
  BENCH_SUBGRAPHS,
  ORDERS_QUERY,
  composeBenchSupergraph,
  expectedOrders,
  type BenchSubgraph,
} from './subgraphs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string', default: 'stock,hive,ours,ours-2w' },
    'cpu-prof': { type: 'string' },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
/** Past this a child that has not started is a failure, not a wait. */
const START_TIMEOUT_MS = 30_000;

const children = new Set<ChildProcess>();
/** Starts `node --import tsx <args>` with only the given environment (plus PATH/HOME), stdout captured. */
function start(argv: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...argv], {
    cwd: ROOT,
    // A benchmark passes the shell's PATH/HOME on, nothing else.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const port = async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const line = /\{"port":(\d+)\}/.exec(out);
      if (line) return Number(line[1]);
      if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited (${child.exitCode})`);
      await sleep(50);
    }
    throw new Error(`${argv.join(' ')} did not start`);
  };
  return { child, port };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A process and its descendants (cluster workers), from /proc. */
async function processTree(pid: number): Promise<number[]> {
  const kids = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const nested = await Promise.all(
    kids
      .split(/\s+/)
      .filter(Boolean)
      .map((k) => processTree(Number(k))),
  );
  return [pid, ...nested.flat()];
}
/** Resident memory (bytes) and CPU seconds used so far, summed over the tree. */
async function usage(pid: number): Promise<{ rss: number; cpu: number }> {
  let rss = 0;
  let cpu = 0;
  for (const p of await processTree(pid)) {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const fields = stat.split(') ')[1]!.split(' ');
    cpu += (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in USER_HZ ticks
    rss += Number(fields[21]) * 4096; // rss in pages
  }
  return { rss, cpu };
}

const post = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: ORDERS_QUERY }),
  });

/** Waits for the gateway to answer, checks the answer against the expected JSON, and returns its exact bytes. */
async function reference(url: string): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await post(url);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
      deepStrictEqual(JSON.parse(text), expectedOrders());
      return text;
    } catch (error) {
      if (Date.now() > deadline || (error as Error).name === 'AssertionError') throw error;
      await sleep(100);
    }
  }
}

async function subgraphRequests(urls: Record<BenchSubgraph, string>): Promise<number> {
  const counts = await Promise.all(
    BENCH_SUBGRAPHS.map(async (name) => Number(await (await fetch(urls[name].replace(/graphql$/, 'requests'))).text())),
  );
  return counts.reduce((a, b) => a + b, 0);
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  rssPeak: number;
  rssEnd: number;
  cpuMsPerRequest: number;
  fetchesPerRequest: number;
  requests: number;
  /** Answers that were not the expected bytes (non-2xx included), connection errors and timeouts. */
  bad: number;
  non2xx: number;
}

/**
 * A second check of every gateway with a client that reads whole answers (fetch): 500 requests, CONNECTIONS at a
 * time, each compared byte for byte. It tells a gateway's wrong answer from one autocannon cut short.
 */
const verified: string[] = [];
async function verify(url: string, expected: string): Promise<string> {
  let exact = 0;
  const lengths = new Map<number, number>();
  for (let sent = 0; sent < 500; sent += CONNECTIONS) {
    const texts = await Promise.all(Array.from({ length: CONNECTIONS }, () => post(url).then((r) => r.text())));
    for (const text of texts) {
      if (text === expected) exact++;
      else lengths.set(text.length, (lengths.get(text.length) ?? 0) + 1);
    }
  }
  const wrong = [...lengths].map(([length, n]) => `${n} × ${length} B`).join(', ');
  return `${exact}/500 exact${wrong ? `; wrong: ${wrong}` : ''}`;
}

/** The first wrong answer of a run, shown when the run fails. */
let firstWrong = '';
function load(url: string, seconds: number, expected?: string) {
  let bad = 0;
  const endsAt = performance.now() + seconds * 1000;
  const instance = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: ORDERS_QUERY }),
    connections: CONNECTIONS,
    duration: seconds,
    setupClient: (client) => {
      if (expected)
        client.on('body', (body: Buffer) => {
          const text = body.toString();
          if (text === expected) return;
          // autocannon ends the run by closing its sockets, and hands over what had arrived of the answers then in
          // flight (all three gateways showed a few, each a prefix of the right bytes): not an answer, not wrong.
          if (expected.startsWith(text) && performance.now() > endsAt - 1000) return;
          if (bad++ === 0) {
            // Where it departs from the expected bytes, and its length against theirs.
            let at = 0;
            while (at < text.length && text[at] === expected[at]) at++;
            firstWrong = `${text.length} B (expected ${expected.length} B), differs at ${at}: …${text.slice(at - 80, at + 200)}`;
          }
        });
    },
  });
  autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  return new Promise<{ result: autocannon.Result; bad: number }>((resolve, reject) =>
    instance.once('done', (result) => resolve({ result, bad })).once('error', reject),
  );
}

async function measure(
  name: string,
  pid: number,
  url: string,
  subgraphUrls: Record<BenchSubgraph, string>,
): Promise<Result> {
  const expected = await reference(url).catch((error: Error) => {
    throw new Error(`${name} answered wrongly: ${error.message.slice(0, 2000)}`);
  });
  await load(url, WARMUP);
  const before = await usage(pid);
  const fetchesBefore = await subgraphRequests(subgraphUrls);
  let rssPeak = before.rss;
  const sampler = setInterval(() => {
    void usage(pid).then((u) => (rssPeak = Math.max(rssPeak, u.rss)));
  }, 250);
  const { result, bad } = await load(url, DURATION, expected);
  clearInterval(sampler);
  const after = await usage(pid);
  const fetches = (await subgraphRequests(subgraphUrls)) - fetchesBefore;
  const requests = result.requests.total;
  verified.push(`${name}: ${await verify(url, expected)}`);
  // A non-2xx answer also differs from the reference body, so it is counted once, in `bad`.
  const wrong = bad + result.errors + result.timeouts;
  failures.push(
    `${name}: ${bad} wrong bodies (${result.non2xx} non-2xx), ${result.errors} errors, ${result.timeouts} timeouts`,
  );
  return {
    name,
    rps: requests / DURATION,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssPeak: Math.max(rssPeak, after.rss),
    rssEnd: after.rss,
    cpuMsPerRequest: ((after.cpu - before.cpu) * 1000) / Math.max(1, requests),
    fetchesPerRequest: fetches / Math.max(1, requests),
    requests,
    bad: wrong,
    non2xx: result.non2xx,
  };
}

const secret = () => randomBytes(36).toString('base64');
const GATEWAYS: Record<string, (supergraph: string) => Promise<{ child: ChildProcess; url: string }>> = {
  stock: async (supergraph) => {
    const g = start(['bench/gateway/stock.ts', supergraph], {
      NODE_ENV: 'production',
      APOLLO_TELEMETRY_DISABLED: 'true',
    });
    return { child: g.child, url: `http://127.0.0.1:${await g.port()}/` };
  },
  hive: async (supergraph) => {
    const g = start(['bench/gateway/hive.ts', supergraph], { NODE_ENV: 'production' });
    return { child: g.child, url: `http://127.0.0.1:${await g.port()}/graphql` };
  },
  ours: (supergraph) => ours(supergraph, 1),
  'ours-2w': (supergraph) => ours(supergraph, 2),
};

/** gateway/src/index.ts as an operator runs it on a foreign supergraph: production mode, own secrets, no Redis. */
async function ours(supergraph: string, workers: number) {
  const port = await freePort();
  const cpuProf = args['cpu-prof'] ? [`--cpu-prof`, `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] : [];
  const g = start(
    ['gateway/src/index.ts'],
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_WORKERS: String(workers),
      SUPERGRAPH_PATH: supergraph,
      // Stock and Hive have no rate limits; RATE_LIMITS=off is this setting's stated use (benchmarks).
      RATE_LIMITS: 'off',
      JWT_SECRET: secret(),
      PASSPORT_SECRET: secret(),
      EVENT_SECRET: secret(),
      PICKUP_CODE_SECRET: secret(),
    },
    cpuProf,
  );
  return { child: g.child, url: `http://127.0.0.1:${port}/graphql` };
}

/** Per gateway, what the "wrong" column adds up: bodies that differ, connection errors, timeouts (autocannon's 10 s). */
const failures: string[] = [];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
function print(results: Result[]) {
  console.log(
    'gateway      RPS     p50 ms  p99 ms  RSS peak  RSS end  CPU ms/req  fetches/req  requests  wrong (non-2xx)',
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(10)} ${r.rps.toFixed(0).padStart(6)}  ${String(r.p50).padStart(6)}  ${String(r.p99).padStart(6)}  ` +
        `${mib(r.rssPeak).padStart(8)}  ${mib(r.rssEnd).padStart(7)}  ${r.cpuMsPerRequest.toFixed(2).padStart(10)}  ` +
        `${r.fetchesPerRequest.toFixed(2).padStart(11)}  ${String(r.requests).padStart(8)}  ${r.bad}`,
    );
  }
  const by = (name: string) => results.find((r) => r.name === name);
  for (const mine of results.filter((r) => r.name.startsWith('ours'))) {
    for (const other of ['stock', 'hive'].map(by)) {
      if (!other) continue;
      console.log(
        `${mine.name} / ${other.name}: RPS ×${(mine.rps / other.rps).toFixed(2)}, p50 ×${(mine.p50 / other.p50).toFixed(2)}, ` +
          `p99 ×${(mine.p99 / other.p99).toFixed(2)}, CPU/req ×${(mine.cpuMsPerRequest / other.cpuMsPerRequest).toFixed(2)}`,
      );
    }
  }
}

const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-bench-gateway-'));
let failed = false;
try {
  const subgraphs = BENCH_SUBGRAPHS.map((name) => ({ name, process: start(['bench/gateway/subgraph.ts', name]) }));
  const subgraphUrls = Object.fromEntries(
    await Promise.all(subgraphs.map(async (s) => [s.name, `http://127.0.0.1:${await s.process.port()}/graphql`])),
  ) as Record<BenchSubgraph, string>;
  const supergraph = path.join(dir, 'supergraph.graphql');
  await writeFile(supergraph, composeBenchSupergraph(subgraphUrls));
  const names = args.only.split(',').filter((n) => n in GATEWAYS);
  console.log(
    `${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per gateway; query: 100 orders, nested entity ` +
      `fetches across ${BENCH_SUBGRAPHS.length} subgraphs (${Buffer.byteLength(JSON.stringify(expectedOrders()))} B answer); ` +
      `2-core machine shared with subgraphs and autocannon; nothing pinned`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) console.log(`--- round ${round} of ${ROUNDS}`);
    const results: Result[] = [];
    for (const name of names) {
      const gateway = await GATEWAYS[name]!(supergraph);
      try {
        results.push(await measure(name, gateway.child.pid!, gateway.url, subgraphUrls));
      } finally {
        await stop(gateway.child);
      }
    }
    print(results);
    console.log(`whole answers read by fetch after each run: ${verified.join('; ')}`);
    verified.length = 0;
    if (results.some((r) => r.bad > 0)) {
      failed = true;
      console.log(failures.join('; '));
      console.log(`first wrong answer: ${firstWrong}`);
    }
    failures.length = 0;
  }
} finally {
  await Promise.all([...children].map(stop));
  await rm(dir, { recursive: true, force: true });
}
if (failed) {
  console.error('some answers were wrong or failed (see the "wrong" column)');
  process.exitCode = 1;
}
