/** `npm test` with a test service missing stops within seconds, naming it, before any test file runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT } from './supergraph.js';

// Should the preflight ever pass here, the child would run the int tier, this file included: it must not recurse.
const NESTED = 'HUBGRAPH_PREFLIGHT_TEST';

const title = 'run-tests int with TEST_REDIS_URL on a closed port exits 1 naming Redis, the URL and the variable';
test(title, { skip: Boolean(process.env[NESTED]) }, async (t) => {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/run-tests.ts', 'int'], {
    cwd: ROOT,
    env: { ...process.env, TEST_REDIS_URL: 'redis://127.0.0.1:1', [NESTED]: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code] = await once(child, 'exit');
  const ms = Math.round(performance.now() - started);
  t.diagnostic(`exit ${code} after ${ms} ms (most of it starting node and tsx)`);
  assert.equal(code, 1, output);
  assert.ok(
    output.includes('Redis at redis://127.0.0.1:1 (TEST_REDIS_URL) is unavailable: connect ECONNREFUSED 127.0.0.1:1'),
  );
  assert.match(output, /start it: redis-server --daemonize yes/);
  assert.doesNotMatch(output, /MariaDB\/MySQL at|MQTT broker at/, 'the services that answer are not reported');
  assert.doesNotMatch(output, /ℹ tests/, 'no test file ran');
  assert.ok(ms < 30_000, `took ${ms} ms`);
});
