/**
 * Start-up time of `npm start` on embedded defaults as a person sees it: from typing the command (npm, the
 * install check, tsx compiling the TypeScript) to the "Apollo Sandbox" line.
 * - cold: a fresh data dir (schema + demo seed) and a fresh tsx compile cache (TMPDIR), like a first start after
 *   cloning;
 * - warm: the second start on the same data and cache.
 * Each start runs in its own process group, ended by SIGTERM to that group (our own PID). Ports 14000-14005 and
 * 11884 keep clear of a running platform.
 *   npx tsx bench/startup.bench.ts
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
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

function startOnce(dataDir: string, cacheDir: string): Promise<{ launch: number; inProcess: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn('npm', ['start', '--silent'], {
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
