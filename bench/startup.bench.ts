/**
 * Start-up time of `npm start` on embedded defaults as a person sees it: from typing the command (npm, the
 * install check, tsx compiling the TypeScript) to the "Apollo Sandbox" line.
 * - cold: a fresh data dir (schema + demo seed) and a fresh tsx compile cache (TMPDIR), like a first start after
 *   cloning;
 * - warm: the second start on the same data and cache.
 * Then each process of docker-compose alone, on the real services (MariaDB, Redis, Mosquitto), from launch until it
 * serves (the gateway's /healthz, a subgraph's /readyz answering 200): built (`npm run build`, then `node dist/…`,
 * as the image runs it) against the TypeScript under tsx (`npx tsx …/index.ts`, as the image ran it before), and
 * the built all-in-one launcher against the warm `npm start`.
 * Each start runs in its own process group, ended by SIGTERM to that group (our own PID). Ports 14000-14005,
 * 14100-14105 and 11884 keep clear of a running platform. The processes run on the Node that runs this file.
 *   npx tsx bench/startup.bench.ts
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { testServiceUrls } from '../lib/config/index.js';
import { dropTestDatabases, realServicesConfig } from '../lib/testing/index.js';
import { SUBGRAPHS } from '../lib/topology/index.js';
import { build, builtPath } from '../tools/build.js';
import { ROOT } from '../tools/supergraph.js';

const RUNS = 3;
const ports = {
  GATEWAY_PORT: '14000',
  USER_PORT: '14001',
  ORDER_PORT: '14002',
  HUB_PORT: '14003',
  DELIVERY_PORT: '14004',
  LOCKER_PORT: '14005',
  EMBEDDED_MQTT_PORT: '11884',
};

function startOnce(
  dataDir: string,
  cacheDir: string,
  [command, ...args]: string[] = ['npm', 'start', '--silent'],
): Promise<{ launch: number; inProcess: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(command!, args, {
      cwd: ROOT,
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: cacheDir,
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        ...ports,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const stop = (signal: NodeJS.Signals) => child.pid && process.kill(-child.pid, signal);
    const timer = setTimeout(() => stop('SIGKILL'), 90_000);
    let out = '';
    let launch = 0;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!launch && out.includes('Apollo Sandbox')) {
        launch = performance.now() - t;
        stop('SIGTERM');
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      const inProcess = Number(/took (\d+) ms/.exec(out)?.[1]);
      if (launch) resolve({ launch, inProcess });
      else reject(new Error(`did not start:\n${out}`));
    });
  });
}

const cold: { launch: number; inProcess: number }[] = [];
const warm: { launch: number; inProcess: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-start-'));
  const cache = await mkdtemp(path.join(tmpdir(), 'hubgraph-tsx-'));
  try {
    cold.push(await startOnce(dir, cache));
    warm.push(await startOnce(dir, cache));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const line = (name: string, runs: typeof cold) =>
  `  ${name} ${median(runs.map((r) => r.launch)).toFixed(0)} ms from launch (runs: ${runs.map((r) => r.launch.toFixed(0)).join(', ')}); ` +
  `${median(runs.map((r) => r.inProcess)).toFixed(0)} ms of it inside the process`;
console.log(`npm start, embedded, launch → "Apollo Sandbox" printed (median of ${RUNS}):`);
console.log(line('cold (fresh data + fresh tsx cache):', cold));
console.log(line('warm (existing data and cache):     ', warm));
console.log(`  warm/cold ratio: ${(median(warm.map((r) => r.launch)) / median(cold.map((r) => r.launch))).toFixed(2)}`);

// ---- each process alone: built (node dist/…) against tsx ----

const built = await build();
console.log(`\nnpm run build: ${built.files} files in ${built.ms} ms (${process.version})`);

const id = randomBytes(4).toString('hex');
const services = testServiceUrls();
const config = realServicesConfig({ DATABASE_PREFIX: `hgtest_${id}` });
const processEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  LOG_LEVEL: 'warn',
  DATABASE_URL: services.databaseUrl,
  DATABASE_PREFIX: `hgtest_${id}`,
  REDIS_URL: services.redisUrl,
  REDIS_PREFIX: `hgtest:${id}:`,
  MQTT_URL: services.mqttUrl,
  GATEWAY_PORT: '14100',
  ...Object.fromEntries(SUBGRAPHS.map(({ name }, i) => [`${name.toUpperCase()}_PORT`, String(14101 + i)])),
};

/** Launch → the first 200 from `probeUrl`, polled every 20 ms. */
function serveOnce(command: string, args: string[], probeUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      env: processEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    let served = 0;
    let done = false;
    const stop = (signal: NodeJS.Signals) => child.pid && child.exitCode === null && process.kill(-child.pid, signal);
    const timer = setTimeout(() => stop('SIGKILL'), 60_000);
    const poll = async () => {
      while (!done) {
        const ok = await fetch(probeUrl, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) {
          served = performance.now() - t;
          stop('SIGTERM');
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    void poll();
    child.on('exit', () => {
      done = true;
      clearTimeout(timer);
      if (!served) return reject(new Error(`${args.join(' ')} did not serve:\n${err}`));
      // npx may exit before the node process it started has closed its port: the next start must not find it.
      void portClosed(probeUrl).then(() => resolve(served), reject);
    });
  });
}

async function portClosed(probeUrl: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const open = await fetch(probeUrl, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (!open) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${probeUrl} still answers after the process was stopped`);
}

// The databases exist and are migrated before anything is timed (every start below is a restart).
await new Promise<void>((resolve, reject) =>
  spawn(process.execPath, [builtPath('tools/migrate.ts')], { cwd: ROOT, env: processEnv, stdio: 'ignore' }).on(
    'exit',
    (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited with ${code}`))),
  ),
);

const processes = [
  { name: 'gateway', source: 'gateway/src/index.ts', probe: 'http://127.0.0.1:14100/healthz' },
  ...SUBGRAPHS.map(({ name }, i) => ({
    name,
    source: `subgraphs/${name}/src/index.ts`,
    probe: `http://127.0.0.1:${14101 + i}/readyz`,
  })),
];
const rows: { name: string; tsx: number[]; built: number[] }[] = [];
try {
  for (const p of processes) {
    const row = { name: p.name, tsx: [] as number[], built: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      // Alternated, so a busy moment of the machine falls on both sides.
      row.built.push(await serveOnce(process.execPath, [builtPath(p.source)], p.probe));
      row.tsx.push(await serveOnce('npx', ['tsx', p.source], p.probe));
    }
    rows.push(row);
  }
} finally {
  await dropTestDatabases(config);
}

const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const pad = (text: string, width: number) => text.padEnd(width);
console.log(
  `\nEach process alone on MariaDB/Redis/Mosquitto, launch → serving (median of ${RUNS}; goal: built ≤ 2,000 ms):`,
);
console.log(`  ${pad('process', 10)}${pad('npx tsx …/index.ts', 21)}${pad('node dist/…/index.js', 23)}built/tsx`);
for (const row of rows) {
  const [tsx, b] = [median(row.tsx), median(row.built)];
  console.log(
    `  ${pad(row.name, 10)}${pad(ms(tsx), 21)}${pad(`${ms(b)}${b <= 2000 ? '' : ' (over)'}`, 23)}${(b / tsx).toFixed(2)}` +
      `   (runs: built ${row.built.map((x) => x.toFixed(0)).join(', ')}; tsx ${row.tsx.map((x) => x.toFixed(0)).join(', ')})`,
  );
}

// ---- the all-in-one launcher, built, against the warm `npm start` above ----
const launcher: { launch: number; inProcess: number }[] = [];
const launcherDir = await mkdtemp(path.join(tmpdir(), 'hubgraph-start-'));
try {
  await startOnce(launcherDir, launcherDir); // schema + demo seed, not timed
  for (let i = 0; i < RUNS; i++) {
    launcher.push(await startOnce(launcherDir, launcherDir, [process.execPath, builtPath('tools/start.ts')]));
  }
} finally {
  await rm(launcherDir, { recursive: true, force: true });
}
console.log(`\nThe all-in-one launcher on embedded defaults, launch → "Apollo Sandbox" printed (median of ${RUNS}):`);
console.log(line('node dist/tools/start.js (warm data):', launcher));
console.log(
  `  built/warm npm start ratio: ${(median(launcher.map((r) => r.launch)) / median(warm.map((r) => r.launch))).toFixed(2)}`,
);
