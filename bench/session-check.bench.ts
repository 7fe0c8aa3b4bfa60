/**
 * What the gateway's per-request session check costs (docs/adr/0003-sessions-and-limits.md), on the real Redis:
 * 1. the check alone: SessionCheck.assertCurrent uncached (one MGET of two keys each call) against cached
 *    (the default: one MGET per session per second);
 * 2. through the gateway: `{ me { id } }` with the cache off (SESSION_CHECK_CACHE_MS=0, every request asks
 *    Redis) against the default 1,000 ms, in the same run, as p50 and a ratio.
 * Bounded: CALLS checks and REQUESTS sequential requests per variant, on loopback.
 *   npx tsx bench/session-check.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { SessionCheck, SessionRegistry } from '../lib/auth/sessions.js';
import { RedisKeyValueStore } from '../lib/infra/kv.js';
import { testServiceUrls } from '../lib/config/index.js';
import { dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { startPlatform } from '../tools/platform.js';

const CALLS = 5000;
const REQUESTS = 400;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * xs.length)]!;

// 1. The check alone.
const prefix = `hgbench:${randomBytes(4).toString('hex')}:`;
const kv = await RedisKeyValueStore.connect(testServiceUrls().redisUrl, prefix, (err) => console.error(err));
try {
  await new SessionRegistry(kv, 60).start('s1', 'u1');
  const claims = { userId: 'u1', sessionId: 's1', tokenVersion: 0 };
  for (const cacheMs of [0, 1000]) {
    const check = new SessionCheck(kv, { cacheMs });
    const t = performance.now();
    for (let i = 0; i < CALLS; i++) await check.assertCurrent(claims);
    const us = ((performance.now() - t) * 1000) / CALLS;
    console.log(
      `SessionCheck.assertCurrent, cache ${String(cacheMs).padStart(4)} ms: ${us.toFixed(1)} µs per call (${CALLS} calls)`,
    );
  }
} finally {
  await kv.del('sess:s1');
  await kv.close();
}

// 2. Through the gateway.
const p50s: number[] = [];
for (const cacheMs of ['0', '1000']) {
  const config = realServicesConfig({ SESSION_CHECK_CACHE_MS: cacheMs, RATE_LIMITS: 'off' });
  const platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: true });
  try {
    const signIn = await postGraphQL(
      platform.gatewayUrl,
      'mutation { signIn(username: "member", password: "hubgraph-demo") { accessToken } }',
    );
    const headers = { authorization: `Bearer ${signIn.body.data!.signIn.accessToken}` };
    for (let i = 0; i < 30; i++) await postGraphQL(platform.gatewayUrl, '{ me { id } }', {}, headers);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      await postGraphQL(platform.gatewayUrl, '{ me { id } }', {}, headers);
      times.push(performance.now() - t);
    }
    p50s.push(percentile(times, 0.5));
    console.log(
      `{ me { id } } through the gateway, cache ${cacheMs.padStart(4)} ms: p50 ${percentile(times, 0.5).toFixed(2)} ms  p99 ${percentile(times, 0.99).toFixed(2)} ms`,
    );
  } finally {
    await platform.stop();
    await dropTestDatabases(config);
  }
}
console.log(`uncached / cached p50: ${(p50s[0]! / p50s[1]!).toFixed(2)}×`);
