import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { testServiceUrls } from '../../lib/config/index.js';
import { freePort, postGraphQL } from '../../lib/testing/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The sum of a counter's series in a /metrics text. */
function total(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

test('GATEWAY_WORKERS=2: every scrape of /metrics, whichever worker takes it, counts the operations of both', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(port),
      GATEWAY_WORKERS: '2',
      RATE_LIMITS: 'off',
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: `hgtest:${randomBytes(4).toString('hex')}:`,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      assert.ok(i < 300 && child.exitCode === null, 'the gateway did not start');
      await sleep(100);
    }
    // Both workers listen once each has answered; node:cluster deals connections round robin.
    const QUERIES = 40;
    for (let i = 0; i < QUERIES; i++) {
      const r = await postGraphQL(`${base}/graphql`, 'query Probe { __typename }');
      assert.equal(r.body.data?.__typename, 'Query');
    }
    for (let i = 0; i < 6; i++) {
      // A new connection per scrape, so the scrapes spread over the workers too.
      const response = await fetch(`${base}/metrics`, { headers: { connection: 'close' } });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.equal(total(text, 'hubgraph_graphql_operations_total'), QUERIES, 'both workers counted, once each');
    }
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
