/**
 * Ingest: the locker simulator with 500 devices at 5,000 messages/s in all → the locker subgraph (built, in its own
 * process as deployed, on real MariaDB and Redis, with the test's own Mosquitto) → `lockerUpdated` subscription
 * clients over graphql-ws, straight to the subgraph with a passport (bench/fanout.bench.ts measures the gateway's
 * side of subscriptions). Beside it, in
 * the same run, the raw baseline: an MQTT subscriber on the same broker receiving the same messages.
 *
 * Prints the sustained rates, loss and device→client latency percentiles for both, how many updates the clients got
 * (writes are coalesced per locker), and whether the stored state matches what each device last sent.
 * A device message counts as delivered when its locker's client receives an update whose `reportedAt` is at least
 * the message's `ts` (the update shows a state at least that new); its latency runs from the device's send time to
 * that arrival. Bounded: DURATION_SECONDS of load, then DRAIN_MS.
 *   npx tsx bench/ingest.bench.ts [lockers] [rate] [seconds]     (defaults 500 5000 30)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'graphql-ws/client';
import WebSocket from 'ws';
import { signPassport, PASSPORT_HEADER } from '../lib/auth/tokens.js';
import type { AuthenticatedViewer } from '../lib/auth/viewer.js';
import { connectMqtt } from '../lib/infra/mqtt.js';
import { testServiceUrls } from '../lib/config/index.js';
import { freePort, postGraphQL, startTestSubgraph } from '../lib/testing/index.js';
import { cpuProfileFlags, processCpuSeconds as cpuSeconds } from './deployed.js';
import { readDataFile } from '../lib/orm/seed.js';
import { loadSubgraphs } from '../tools/subgraphs.js';
import { startTestBroker } from '../subgraphs/locker/test/mosquitto.js';
import { build, builtPath } from '../tools/build.js';

const LOCKERS = Number(process.argv[2] ?? 500);
const RATE = Number(process.argv[3] ?? 5000);
const DURATION_SECONDS = Number(process.argv[4] ?? 30);
const COMPARTMENTS = 4;
const CONNECTIONS = 10;
/** Messages sent in the first seconds (devices connecting, caches warming) are left out of the figures. */
const WARMUP_MS = 3000;
const DRAIN_MS = 3000;

const ROOT = path.resolve(import.meta.dirname, '..');
const now = () => performance.timeOrigin + performance.now();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const ms = (n: number) => `${n.toFixed(2)} ms`;

const children: ChildProcess[] = [];
/** Runs a TypeScript entry point under tsx, or built (`node dist/…`, as a deployment runs it) as the process `built`. */
function run(entry: string, args: string[], env: Record<string, string>, built?: string) {
  // BENCH_CPU_PROFILES=<dir>: the built process is profiled, as bench/deployed.ts's services are.
  const command = built ? [...cpuProfileFlags(built), builtPath(entry)] : ['--import', 'tsx', entry];
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, output: () => out };
}

const id = randomBytes(4).toString('hex');
const urls = testServiceUrls();
const env = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DATABASE_URL: urls.databaseUrl,
  DATABASE_PREFIX: `hgtest_${id}`,
  REDIS_URL: urls.redisUrl,
  REDIS_PREFIX: `hgtest:${id}:`,
};
await build(); // the locker subgraph runs as deployed: `node dist/…` (docs/adr/0005)
const broker = await startTestBroker();
const hubSubgraph = (await loadSubgraphs()).find((def) => def.name === 'hub')!;
const hub = await startTestSubgraph(hubSubgraph, { seed: true, env });
const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-ingest-'));
const master: AuthenticatedViewer = {
  kind: 'user',
  userId: '0190f000-0000-7000-8000-000100000001',
  role: 'MASTER',
  hubId: null,
  firmId: null,
  sessionId: null,
  tokenVersion: 0,
};
const passport = (who: AuthenticatedViewer) =>
  signPassport(who, 'locker', { secret: hub.config.auth.passportSecret, ttlSeconds: 300 });

try {
  // The locker subgraph in its own process, as deployed.
  const lockerPort = await freePort();
  const lockerUrl = `http://127.0.0.1:${lockerPort}/graphql`;
  const locker = run(
    'subgraphs/locker/src/index.ts',
    [],
    { ...env, MQTT_URL: broker.url, LOCKER_PORT: String(lockerPort), HUB_URL: hub.url },
    'locker',
  );
  for (let i = 0; ; i++) {
    const up = await fetch(`http://127.0.0.1:${lockerPort}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 300) throw new Error('the locker subgraph did not start');
    await sleep(100);
  }

  // The fleet's lockers, created as a MASTER would.
  const hubs = readDataFile<{ hubs: { id: string }[] }>('hubs.json').hubs;
  const masterPassport = await passport(master);
  const lockers: { id: string; compartments: number }[] = [];
  for (let i = 0; i < LOCKERS; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, LOCKERS - i) }, (_, j) =>
        postGraphQL<{ createLocker: { id: string } }>(
          lockerUrl,
          'mutation($input: CreateLockerInput!) { createLocker(input: $input) { id } }',
          {
            input: {
              name: `Bench locker ${i + j + 1}`,
              hubId: hubs[(i + j) % hubs.length]!.id,
              address: 'bench',
              compartmentCount: COMPARTMENTS,
            },
          },
          { [PASSPORT_HEADER]: masterPassport },
        ),
      ),
    );
    for (const r of batch) {
      if (!r.body.data) throw new Error(JSON.stringify(r.body.errors));
      lockers.push({ id: r.body.data.createLocker.id, compartments: COMPARTMENTS });
    }
  }
  const lockersFile = path.join(dir, 'lockers.json');
  await writeFile(lockersFile, JSON.stringify(lockers));

  // Subscription clients: one lockerUpdated per locker, over CONNECTIONS graphql-ws connections.
  type Arrival = { reportedAt: number; at: number };
  const arrivals = new Map<string, Arrival[]>(lockers.map((l) => [l.id, []]));
  let updates = 0;
  let presenceOnly = 0;
  let subscriptionErrors = 0;
  const member = { ...master, role: 'MEMBER' as const, userId: '0190f000-0000-7000-8000-000100000005' };
  const clients: Client[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const client = createClient({
      url: lockerUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { passport: await passport(member) },
      retryAttempts: 0,
    });
    clients.push(client);
    for (let i = c; i < lockers.length; i += CONNECTIONS) {
      const lockerId = lockers[i]!.id;
      client.subscribe<{ lockerUpdated: { reportedAt: string | null } }>(
        {
          query: 'subscription($id: ID!) { lockerUpdated(lockerId: $id) { reportedAt compartments { state } } }',
          variables: { id: lockerId },
        },
        {
          next: (result) => {
            const at = now();
            if (result.errors?.length || !result.data) return void subscriptionErrors++;
            const reportedAt = result.data.lockerUpdated.reportedAt;
            if (!reportedAt) return void presenceOnly++; // the device came online before its first report
            updates++;
            arrivals.get(lockerId)!.push({ reportedAt: Date.parse(reportedAt), at });
          },
          error: () => void subscriptionErrors++,
          complete: () => undefined,
        },
      );
    }
  }

  // The raw baseline: the same messages, straight from the broker.
  type Sent = { lockerId: string; ts: number; sentAt: number; rawAt: number };
  const sent: Sent[] = [];
  const lastState = new Map<string, { ts: number; compartments: unknown[] }>();
  const raw = await connectMqtt(`mqtt://127.0.0.1:${broker.port}`, { clientId: `bench-raw-${id}` });
  raw.on('message', (topic, payload) => {
    const rawAt = now();
    const [, , lockerId, kind] = topic.split('/');
    const message = JSON.parse(payload.toString()) as { ts: number; sentAt: number; compartments?: unknown[] };
    sent.push({ lockerId: lockerId!, ts: message.ts, sentAt: message.sentAt, rawAt });
    if (kind === 'state') lastState.set(lockerId!, { ts: message.ts, compartments: message.compartments! });
  });
  await raw.subscribeAsync(['hubgraph/lockers/+/state', 'hubgraph/lockers/+/events'], { qos: 1 });
  await sleep(1500); // every subscription live

  // The load.
  const loadBefore = loadavg();
  const cpuBefore = process.cpuUsage();
  const lockerCpuBefore = await cpuSeconds(locker.child.pid);
  const simulator = run(
    'tools/locker-simulator/index.ts',
    [
      '--lockers-file',
      lockersFile,
      '--rate',
      String(RATE),
      '--duration',
      String(DURATION_SECONDS),
      '--mqtt',
      `mqtt://127.0.0.1:${broker.port}`,
      '--json',
      '--stamp',
    ],
    {},
  );
  const [code] = (await once(simulator.child, 'exit')) as [number];
  if (code !== 0) throw new Error(`the simulator exited with ${code}`);
  const fleet = JSON.parse(simulator.output().trim().split('\n').at(-1)!) as {
    seconds: number;
    messagesPerSecond: number;
    connectSeconds: number;
    counters: { sent: Record<string, number>; messages: number };
  };
  const lockerCpu = (await cpuSeconds(locker.child.pid)) - lockerCpuBefore;
  await sleep(DRAIN_MS);
  const cpu = process.cpuUsage(cpuBefore);

  // Figures.
  const loadStart =
    sent.reduce((min, s) => Math.min(min, s.sentAt), Infinity) + fleet.connectSeconds * 1000 + WARMUP_MS;
  const measured = sent.filter((s) => s.sentAt >= loadStart);
  const rawLatency = measured.map((s) => s.rawAt - s.sentAt).sort((a, b) => a - b);
  const e2e: number[] = [];
  let lost = 0;
  for (const s of measured) {
    const list = arrivals.get(s.lockerId)!;
    // reportedAt never goes back for a locker (revisions are monotonic), so the first covering arrival is found
    // by binary search.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.reportedAt >= s.ts) hi = mid;
      else lo = mid + 1;
    }
    if (lo === list.length) lost++;
    else e2e.push(list[lo]!.at - s.sentAt);
  }
  e2e.sort((a, b) => a - b);
  const window = (measured.reduce((max, s) => Math.max(max, s.sentAt), 0) - loadStart) / 1000;
  const deviceMessages = (fleet.counters.sent.state ?? 0) + (fleet.counters.sent.events ?? 0);

  // State persisted: what each device last sent is what the database holds.
  const stored = await postGraphQL<{
    lockers: { id: string; compartments: { doorOpen: boolean; occupied: boolean }[] }[];
  }>(lockerUrl, '{ lockers { id compartments { doorOpen occupied } } }', {}, { [PASSPORT_HEADER]: masterPassport });
  let mismatched = 0;
  for (const locker of stored.body.data!.lockers) {
    const last = lastState.get(locker.id) as { compartments: { door: string; occupied: boolean }[] } | undefined;
    if (!last) continue;
    const expected = last.compartments.map((c) => ({ doorOpen: c.door === 'OPEN', occupied: c.occupied }));
    if (JSON.stringify(expected) !== JSON.stringify(locker.compartments)) mismatched++;
  }

  console.log(
    `(load average before the run: ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${cpus().length} cores)`,
  );
  console.log(
    `ingest: ${LOCKERS} devices, ${RATE} messages/s asked, ${DURATION_SECONDS} s (${fleet.connectSeconds.toFixed(1)} s to connect)`,
  );
  console.log(
    `  simulator sent ${fleet.counters.messages} messages: ${fleet.messagesPerSecond.toFixed(0)}/s sustained (state+events ${deviceMessages})`,
  );
  console.log(
    `  raw Mosquitto → subscriber: received ${sent.length}/${deviceMessages} (loss ${deviceMessages - sent.length}); ` +
      `p50 ${ms(pct(rawLatency, 0.5))} p99 ${ms(pct(rawLatency, 0.99))} max ${ms(rawLatency.at(-1)!)}`,
  );
  console.log(
    `  device → lockerUpdated client: ${measured.length} messages in the ${window.toFixed(1)} s window, ` +
      `${lost} never covered (loss ${((lost / measured.length) * 100).toFixed(3)}%); ` +
      `p50 ${ms(pct(e2e, 0.5))} p90 ${ms(pct(e2e, 0.9))} p99 ${ms(pct(e2e, 0.99))} max ${ms(e2e.at(-1)!)}`,
  );
  console.log(
    `  clients got ${updates} updates (${(updates / fleet.seconds).toFixed(0)}/s; ` +
      `${(deviceMessages / Math.max(1, updates)).toFixed(2)} device messages per update, writes coalesced per locker); ` +
      `${presenceOnly} before any report (presence), ${subscriptionErrors} errors`,
  );
  console.log(`  p99 ratio: end-to-end / raw = ${(pct(e2e, 0.99) / pct(rawLatency, 0.99)).toFixed(1)}×`);
  console.log(
    `  state persisted: ${stored.body.data!.lockers.length - mismatched}/${stored.body.data!.lockers.length} lockers match the last state their device sent`,
  );
  console.log(
    `  locker subgraph process: ${lockerCpu.toFixed(1)} CPU s over the ${fleet.seconds.toFixed(0)} s run ` +
      `(${(lockerCpu / fleet.seconds).toFixed(2)} cores; ${((lockerCpu / fleet.counters.messages) * 1e6).toFixed(0)} µs per message)`,
  );
  console.log(
    `  bench process (hub subgraph, ${CONNECTIONS} ws clients, raw subscriber) CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
  );
  for (const client of clients) await client.dispose();
  await raw.endAsync(true);
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
  await hub.close().catch((err: unknown) => console.error('could not stop the hub subgraph:', err));
  await broker.close();
  await rm(dir, { recursive: true, force: true });
}
