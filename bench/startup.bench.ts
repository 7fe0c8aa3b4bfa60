/**
 * Start-up time of `npm start` on embedded defaults, from process spawn to "Apollo Sandbox" printed:
 * cold (fresh data dir: schema + demo seed) and warm (second start on the same data). Each start is
 * stopped by SIGTERM to its own PID. Ports 14000-14005 and 11884 keep clear of a running platform.
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

function startOnce(dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/start.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...ports },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let out = '';
    let elapsed = 0;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!elapsed && out.includes('Apollo Sandbox')) {
        elapsed = performance.now() - t;
        child.kill('SIGTERM');
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (elapsed) resolve(elapsed);
      else reject(new Error(`did not start:\n${out}`));
    });
  });
}

const cold: number[] = [];
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-start-'));
  try {
    cold.push(await startOnce(dir));
    warm.push(await startOnce(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`npm start, embedded, spawn → Sandbox URL (median of ${RUNS}):`);
console.log(
  `  cold (create schema + seed demo): ${median(cold).toFixed(0)} ms   runs: ${cold.map((x) => x.toFixed(0)).join(', ')}`,
);
console.log(
  `  warm (existing data):             ${median(warm).toFixed(0)} ms   runs: ${warm.map((x) => x.toFixed(0)).join(', ')}`,
);
console.log(`  warm/cold ratio: ${(median(warm) / median(cold)).toFixed(2)}`);
