/**
 * `npm test`: every tier through node:test (via tsx). Tiers are told apart by file name:
 *   unit  *.test.ts        no network
 *   int   *.int.test.ts    real MariaDB / Redis / Mosquitto, servers on port 0
 *   e2e   e2e/*.e2e.test.ts the gateway and all five subgraphs
 * `npm test -- unit|int|e2e` runs one tier.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { listFiles } from './files.js';
import { ROOT } from './supergraph.js';

const tiers = {
  unit: (f: string) => f.endsWith('.test.ts') && !f.endsWith('.int.test.ts') && !f.endsWith('.e2e.test.ts'),
  int: (f: string) => f.endsWith('.int.test.ts'),
  e2e: (f: string) => f.endsWith('.e2e.test.ts'),
} as const;
type Tier = keyof typeof tiers;

const wanted = process.argv.slice(2).filter((a): a is Tier => a in tiers);
const selected = wanted.length ? wanted : (Object.keys(tiers) as Tier[]);
const all = (await Promise.all(['lib', 'gateway', 'subgraphs', 'tools', 'e2e'].map((d) => listFiles(path.join(ROOT, d), '.test.ts')))).flat();
const files = all.filter((f) => selected.some((t) => tiers[t](f))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', ...files.map((f) => path.relative(ROOT, f))],
  { cwd: ROOT, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
