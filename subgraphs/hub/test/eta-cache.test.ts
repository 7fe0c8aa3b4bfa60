/**
 * The link ETA cache over the in-memory store (the same contract Redis keeps: lib/infra/kv-pubsub.int.test.ts), with
 * a scripted provider and a hand-moved clock: warm reads, singleflight, stale-while-revalidate, TTL jitter, fallback
 * and recovery, and the lock between replicas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyValueStore } from '../../../lib/infra/kv.js';
import { EstimateEtaProvider, estimateLinkEta } from '../src/routing/estimate.js';
import { EtaCache, etaCacheKey, type CachedEta, type EtaCacheOptions } from '../src/routing/eta-cache.js';
import { EtaProviderError, type EtaProvider, type HubPair, type HubPoint, type LinkEta } from '../src/routing/eta.js';

const hub = (id: string, latitude: number, longitude: number): HubPoint => ({ id, latitude, longitude });
const seoul = hub('a-seoul', 37.4748818, 127.1219623);
const south = hub('b-south', 37.1905096, 127.3785449);
const daegu = hub('c-daegu', 35.8714354, 128.601445);
const LINKS: HubPair[] = [
  [south, seoul],
  [south, daegu],
  [seoul, daegu],
];

/** A provider whose answers the test scripts; `answer` may return a promise the test resolves later. */
class ScriptedProvider implements EtaProvider {
  readonly source = 'KAKAO' as const;
  calls: string[] = [];
  answer: (from: HubPoint, to: HubPoint) => Promise<LinkEta> = async (from, to) => ({
    ...estimateLinkEta(from, to),
    durationSeconds: 1000 + this.calls.length,
    source: 'KAKAO',
  });
  eta(from: HubPoint, to: HubPoint): Promise<LinkEta> {
    this.calls.push(`${from.id}→${to.id}`);
    return this.answer(from, to);
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(options: Partial<EtaCacheOptions> = {}, kv = new MemoryKeyValueStore()) {
  const clock = { now: Date.UTC(2026, 10, 22, 3, 0, 0) };
  const provider = new ScriptedProvider();
  const cache = new EtaCache(kv, provider, new EstimateEtaProvider(), {
    ttlSeconds: 1800,
    now: () => clock.now,
    random: () => 0.5,
    ...options,
  });
  const stored = async (from: HubPoint, to: HubPoint) =>
    JSON.parse((await kv.get(etaCacheKey(from.id, to.id))) ?? 'null') as CachedEta | null;
  return { kv, clock, provider, cache, stored };
}

test('a cold read asks once per link; a warm read asks nobody and answers the same', async () => {
  const { provider, cache, stored } = setup();
  const cold = await cache.etas(LINKS);
  assert.equal(provider.calls.length, 3);
  assert.ok(cold.every((eta) => eta.source === 'KAKAO'));
  const warm = await cache.etas(LINKS);
  assert.equal(provider.calls.length, 3, 'no provider call when warm');
  assert.deepEqual(warm, cold);
  const entry = await stored(seoul, south);
  assert.equal(entry?.durationSeconds, cold[0]!.durationSeconds);
  assert.equal(entry?.source, 'KAKAO');
  await cache.close();
});

test('both directions of a link share one entry, and the provider is asked in one fixed direction', async () => {
  const { provider, cache } = setup();
  const there = await cache.eta(south, seoul);
  const back = await cache.eta(seoul, south);
  assert.deepEqual(back, there);
  assert.deepEqual(provider.calls, ['a-seoul→b-south']);
  await cache.close();
});

test('singleflight: 25 concurrent cold reads of 3 links make 3 provider calls and all get the same answers', async () => {
  // Count lock attempts: in-process callers share the flight without even asking the store for the lock.
  const kv = new MemoryKeyValueStore();
  let lockAttempts = 0;
  const set = kv.set.bind(kv);
  kv.set = (key, value, options) => {
    if (options?.onlyIfAbsent) lockAttempts++;
    return set(key, value, options);
  };
  const { provider, cache } = setup({}, kv);
  const gate = deferred<void>();
  const answer = provider.answer;
  provider.answer = async (from, to) => {
    await gate.promise;
    return answer(from, to);
  };
  const reads = Array.from({ length: 25 }, () => cache.etas(LINKS));
  await new Promise((resolve) => setImmediate(resolve));
  gate.resolve();
  const results = await Promise.all(reads);
  assert.equal(provider.calls.length, 3);
  assert.deepEqual(new Set(provider.calls).size, 3, 'one call per link');
  assert.equal(lockAttempts, 3);
  for (const r of results) assert.deepEqual(r, results[0]);
  await cache.close();
});

test('TTL jitter: each entry is fresh for between the TTL and 1.2 × the TTL, spread at random', async () => {
  for (const [random, expected] of [
    [0, 1800],
    [0.5, 1980],
    [0.999999, 2160],
  ] as const) {
    const { cache, stored, clock } = setup({ random: () => random });
    await cache.eta(seoul, south);
    const entry = (await stored(seoul, south))!;
    assert.equal(entry.fetchedAt, clock.now);
    assert.ok(Math.abs((entry.freshUntil - entry.fetchedAt) / 1000 - expected) < 0.01, `random ${random}`);
    await cache.close();
  }
  const { cache } = setup({ random: Math.random });
  const samples = Array.from({ length: 500 }, () => cache.freshSeconds());
  assert.ok(samples.every((s) => s >= 1800 && s < 1800 * 1.2));
  assert.ok(Math.max(...samples) - Math.min(...samples) > 300, 'spread over most of the window');
});

test('stale-while-revalidate: an expired entry is served at once, refreshed once in the background', async () => {
  const { provider, cache, clock, stored } = setup();
  const [first] = await cache.etas([[seoul, south]]);
  const entry = (await stored(seoul, south))!;
  clock.now = entry.freshUntil + 1;

  const gate = deferred<LinkEta>();
  provider.answer = () => gate.promise;
  // The read resolves while the provider has not answered: the stale value, at once.
  const stale = await Promise.all([cache.etas([[seoul, south]]), cache.etas([[seoul, south]])]);
  assert.deepEqual(stale, [[first], [first]]);
  assert.equal(provider.calls.length, 2, 'one refresh for both stale reads');

  gate.resolve({ durationSeconds: 4321, distanceMeters: 50_000, source: 'KAKAO' });
  await cache.idle();
  const refreshed = (await stored(seoul, south))!;
  assert.equal(refreshed.durationSeconds, 4321);
  assert.equal(refreshed.fetchedAt, clock.now);
  assert.ok(refreshed.freshUntil > clock.now);
  assert.deepEqual(await cache.etas([[seoul, south]]), [
    { durationSeconds: 4321, distanceMeters: 50_000, source: 'KAKAO' },
  ]);
  assert.equal(provider.calls.length, 2);
  await cache.close();
});

test('provider down: a cold link gets the estimate for a short while, and a recovered provider refills it', async () => {
  const errors: string[] = [];
  const { provider, cache, clock, stored } = setup({
    fallbackTtlSeconds: 60,
    onError: (_e, what) => errors.push(what),
  });
  provider.answer = async () => {
    throw new EtaProviderError('UNAVAILABLE', 'down');
  };
  const [eta] = await cache.etas([[seoul, south]]);
  assert.deepEqual(eta, estimateLinkEta(seoul, south));
  assert.equal(errors.length, 1, 'the failure is reported');
  const entry = (await stored(seoul, south))!;
  assert.equal(entry.source, 'ESTIMATE');
  assert.equal(entry.freshUntil - clock.now, 60_000);

  // Within the short TTL the estimate is served without asking again.
  clock.now += 30_000;
  await cache.etas([[seoul, south]]);
  assert.equal(provider.calls.length, 1);

  // Past it, the provider is asked again in the background; it has recovered.
  clock.now += 31_000;
  provider.answer = async () => ({ durationSeconds: 3000, distanceMeters: 52_000, source: 'KAKAO' });
  assert.equal((await cache.eta(seoul, south)).source, 'ESTIMATE', 'the estimate is still served at once');
  await cache.idle();
  assert.deepEqual(await cache.eta(seoul, south), { durationSeconds: 3000, distanceMeters: 52_000, source: 'KAKAO' });
  assert.equal(provider.calls.length, 2);
  await cache.close();
});

test('a stale provider answer whose refresh fails is kept (not replaced by the estimate) and retried later', async () => {
  const { provider, cache, clock, stored } = setup({ fallbackTtlSeconds: 60 });
  const [kakao] = await cache.etas([[seoul, south]]);
  clock.now = (await stored(seoul, south))!.freshUntil + 1;
  provider.answer = async () => {
    throw new EtaProviderError('TIMEOUT', 'slow');
  };
  assert.deepEqual(await cache.eta(seoul, south), kakao);
  await cache.idle();
  const kept = (await stored(seoul, south))!;
  assert.equal(kept.source, 'KAKAO');
  assert.equal(kept.durationSeconds, kakao!.durationSeconds);
  assert.equal(kept.freshUntil, clock.now + 60_000, 'retried after the short TTL');
  await cache.close();
});

test('"no road between these points" gets the estimate for the whole TTL: asking every minute would spend the quota', async () => {
  const { provider, cache, clock, stored } = setup({ fallbackTtlSeconds: 60, random: () => 0 });
  provider.answer = async () => {
    throw new EtaProviderError('NO_ROUTE', 'no road');
  };
  assert.deepEqual(await cache.eta(seoul, south), estimateLinkEta(seoul, south));
  assert.equal((await stored(seoul, south))!.freshUntil - clock.now, 1800_000);
});

test('an unreadable entry counts as missing', async () => {
  const { kv, provider, cache } = setup();
  await kv.set(etaCacheKey(seoul.id, south.id), '{"durationSeconds":"soon"}');
  assert.equal((await cache.eta(seoul, south)).source, 'KAKAO');
  assert.equal(provider.calls.length, 1);
  await cache.close();
});

test('two replicas on one store: a cold link is fetched by one of them, the other waits for its answer', async () => {
  const kv = new MemoryKeyValueStore();
  const one = setup({}, kv);
  const two = setup({}, kv);
  const gate = deferred<void>();
  for (const { provider } of [one, two]) {
    const answer = provider.answer;
    provider.answer = async (from, to) => {
      await gate.promise;
      return answer(from, to);
    };
  }
  const reads = [one.cache.etas(LINKS), two.cache.etas(LINKS), one.cache.etas(LINKS), two.cache.etas(LINKS)];
  setTimeout(() => gate.resolve(), 60);
  const results = await Promise.all(reads);
  assert.equal(one.provider.calls.length + two.provider.calls.length, 3, 'one call per link across both replicas');
  for (const r of results) assert.deepEqual(r, results[0]);
  await Promise.all([one.cache.close(), two.cache.close()]);
});

test('a lock left by a replica that never answers costs at most waitMs, then the estimate answers', async () => {
  const { kv, provider, cache } = setup({ waitMs: 100 });
  await kv.set(`${etaCacheKey(seoul.id, south.id)}:lock`, 'someone else', { ttlSeconds: 10 });
  assert.deepEqual(await cache.eta(seoul, south), estimateLinkEta(seoul, south));
  assert.equal(provider.calls.length, 0);
  await cache.close();
});
