/** What stands between routes and Kakao: the daily call quota, the circuit breaker, and the configuration. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../../lib/config/index.js';
import { MemoryKeyValueStore } from '../../../lib/infra/kv.js';
import { CircuitBreakingEtaProvider, isOpenBreakerError } from '../src/routing/breaker.js';
import {
  EtaProviderError,
  type EtaFailure,
  type EtaProvider,
  type HubPoint,
  type LinkEta,
} from '../src/routing/eta.js';
import { estimateLinkEta } from '../src/routing/estimate.js';
import { createEtaPricing } from '../src/routing/pricing.js';
import { DailyQuota } from '../src/routing/quota.js';

const a: HubPoint = { id: 'a', latitude: 37.47, longitude: 127.12 };
const b: HubPoint = { id: 'b', latitude: 37.19, longitude: 127.38 };
const OK: LinkEta = { durationSeconds: 3120, distanceMeters: 52_340, source: 'KAKAO' };

class Provider implements EtaProvider {
  readonly source = 'KAKAO' as const;
  calls = 0;
  failure: EtaFailure | null = null;
  async eta(): Promise<LinkEta> {
    this.calls++;
    if (this.failure) throw new EtaProviderError(this.failure, this.failure);
    return OK;
  }
}

test('the daily quota allows `limit` calls a day, counts refusals, and starts again at midnight in Seoul', async () => {
  const kv = new MemoryKeyValueStore();
  // 23:59:59 in Seoul is 14:59:59 UTC.
  const clock = { now: Date.UTC(2026, 10, 21, 14, 59, 59) };
  const quota = new DailyQuota(kv, 3, { now: () => clock.now });
  assert.equal(quota.key(), 'eta:quota:kakao:2026-11-21');
  assert.deepEqual(await Promise.all([quota.take(), quota.take(), quota.take(), quota.take()]), [
    true,
    true,
    true,
    false,
  ]);
  assert.equal(await quota.used(), 4);
  clock.now += 1000;
  assert.equal(quota.key(), 'eta:quota:kakao:2026-11-22');
  assert.equal(await quota.take(), true);
  await quota.exhaust();
  assert.equal(await quota.take(), false, 'exhausted for the rest of the day');
  assert.equal(await new DailyQuota(kv, 0).take(), false, 'a limit of 0 allows nothing');
});

test('the breaker opens after repeated provider failures and then refuses at once without calling', async () => {
  const provider = new Provider();
  provider.failure = 'UNAVAILABLE';
  const states: string[] = [];
  const breaker = new CircuitBreakingEtaProvider(provider, null, {
    volumeThreshold: 3,
    resetTimeoutMs: 100,
    onStateChange: (s) => states.push(s),
  });
  try {
    for (let i = 0; i < 3; i++) await assert.rejects(breaker.eta(a, b), EtaProviderError);
    assert.equal(breaker.state, 'OPEN');
    await assert.rejects(breaker.eta(a, b), isOpenBreakerError);
    assert.equal(provider.calls, 3, 'an open breaker does not call');

    // After the reset timeout one trial call goes through; its success closes the breaker.
    await sleep(150);
    assert.equal(breaker.state, 'HALF_OPEN');
    provider.failure = null;
    assert.deepEqual(await breaker.eta(a, b), OK);
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(provider.calls, 4);
    assert.deepEqual(states, ['OPEN', 'HALF_OPEN', 'CLOSED']);
  } finally {
    breaker.shutdown();
  }
});

test('a failed trial call opens the breaker again', async () => {
  const provider = new Provider();
  provider.failure = 'TIMEOUT';
  const breaker = new CircuitBreakingEtaProvider(provider, null, { volumeThreshold: 2, resetTimeoutMs: 50 });
  try {
    for (let i = 0; i < 2; i++) await assert.rejects(breaker.eta(a, b));
    await sleep(80);
    await assert.rejects(breaker.eta(a, b), EtaProviderError);
    assert.equal(breaker.state, 'OPEN');
    await assert.rejects(breaker.eta(a, b), isOpenBreakerError);
    assert.equal(provider.calls, 3);
  } finally {
    breaker.shutdown();
  }
});

test('"no route" answers do not open the breaker: they say nothing about Kakao’s health', async () => {
  const provider = new Provider();
  provider.failure = 'NO_ROUTE';
  const breaker = new CircuitBreakingEtaProvider(provider, null, { volumeThreshold: 2 });
  try {
    for (let i = 0; i < 10; i++)
      await assert.rejects(breaker.eta(a, b), (e) => (e as EtaProviderError).kind === 'NO_ROUTE');
    assert.equal(breaker.state, 'CLOSED');
    assert.equal(provider.calls, 10);
  } finally {
    breaker.shutdown();
  }
});

test('the quota is taken inside the breaker: past it nothing is called, and the breaker stays closed', async () => {
  const provider = new Provider();
  const quota = new DailyQuota(new MemoryKeyValueStore(), 2);
  const breaker = new CircuitBreakingEtaProvider(provider, quota, { volumeThreshold: 1 });
  try {
    await breaker.eta(a, b);
    await breaker.eta(a, b);
    for (let i = 0; i < 5; i++) {
      await assert.rejects(breaker.eta(a, b), (e) => (e as EtaProviderError).kind === 'DAILY_QUOTA_REACHED');
    }
    assert.equal(provider.calls, 2);
    assert.equal(breaker.state, 'CLOSED');
  } finally {
    breaker.shutdown();
  }
});

test('Kakao saying its quota is exceeded spends the rest of the day’s budget', async () => {
  const provider = new Provider();
  provider.failure = 'QUOTA_EXCEEDED';
  const quota = new DailyQuota(new MemoryKeyValueStore(), 10_000);
  const breaker = new CircuitBreakingEtaProvider(provider, quota);
  try {
    await assert.rejects(breaker.eta(a, b), (e) => (e as EtaProviderError).kind === 'QUOTA_EXCEEDED');
    assert.equal(await quota.take(), false);
  } finally {
    breaker.shutdown();
  }
});

test('configuration: no key means the estimate alone; a key puts the cache in front of Kakao with its quota', async () => {
  const none = loadConfig({});
  assert.equal(none.eta.kakao, undefined);
  assert.equal(none.eta.cacheTtlSeconds, 1800);
  const estimateOnly = createEtaPricing(loadConfig({ KAKAO_REST_API_KEY: '  ' }).eta, new MemoryKeyValueStore());
  assert.equal(estimateOnly.source, 'ESTIMATE');
  assert.equal(estimateOnly.kakao, undefined);
  assert.deepEqual(await estimateOnly.links.etas([[a, b]]), [estimateLinkEta(a, b)]);

  const config = loadConfig({ KAKAO_REST_API_KEY: 'key', KAKAO_DAILY_QUOTA: '500', ETA_CACHE_TTL_SECONDS: '900' });
  assert.deepEqual(config.eta, {
    kakao: { apiKey: 'key', baseUrl: 'https://apis-navi.kakaomobility.com', timeoutMs: 2000, dailyQuota: 500 },
    cacheTtlSeconds: 900,
  });
  const kakao = createEtaPricing(config.eta, new MemoryKeyValueStore());
  try {
    assert.equal(kakao.source, 'KAKAO');
    assert.equal(kakao.links, kakao.kakao!.cache);
    assert.equal(kakao.kakao!.quota.limit, 500);
    const ttl = kakao.kakao!.cache.freshSeconds();
    assert.ok(ttl >= 900 && ttl < 1080);
  } finally {
    await kakao.close();
  }
  assert.throws(() => loadConfig({ ETA_CACHE_TTL_SECONDS: '5' }), /ETA_CACHE_TTL_SECONDS/);
  assert.throws(() => loadConfig({ KAKAO_BASE_URL: 'not a url' }), /KAKAO_BASE_URL/);
});
