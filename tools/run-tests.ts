/**
 * `npm test`: every tier through node:test (via tsx). Tiers are told apart by file name:
 *   unit  *.test.ts        no network
 *   int   *.int.test.ts    real MariaDB / Redis / Mosquitto, servers on port 0
 *   e2e   e2e/*.e2e.test.ts the gateway and all five subgraphs
 * `npm test -- unit|int|e2e` runs one tier. Before int or e2e, tools/preflight.ts checks that the
 * services answer and stops with a message naming any that does not.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { listFiles } from './files.js';
import { checkTestServices } from './preflight.js';
import { ROOT } from './supergraph.js';

const tiers = {
  unit: (f: string) => f.endsWith('.test.ts') && !f.endsWith('.int.test.ts') && !f.endsWith('.e2e.test.ts'),
  int: (f: string) => f.endsWith('.int.test.ts'),
  e2e: (f: string) => f.endsWith('.e2e.test.ts'),
} as const;
type Tier = keyof typeof tiers;

const wanted = process.argv.slice(2).filter((a): a is Tier => a in tiers);
const selected = wanted.length ? wanted : (Object.keys(tiers) as Tier[]);
const all = (
  await Promise.all(
    ['lib', 'gateway', 'subgraphs', 'tools', 'e2e'].map((d) => listFiles(path.join(ROOT, d), '.test.ts')),
  )
).flat();
const files = all.filter((f) => selected.some((t) => tiers[t](f))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
if (selected.some((t) => t !== 'unit')) {
  const problem = await checkTestServices();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}

// node:test applies --test-timeout to each file as a whole, not to each test in it. The slowest file
// (e2e/platform, all five subgraphs migrated and seeded) takes about 14 s alone; 60 s leaves room for a
// loaded two-core machine, and a file that hangs (a handle left open) now costs one minute, not two.
const FILE_TIMEOUT_MS = 60_000;

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    ...files.map((f) => path.relative(ROOT, f)),
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
