/**
 * Routes on MariaDB and Redis with a fake Kakao on 127.0.0.1: the `route` query as the gateway calls it (Kakao
 * configured through the environment), then the ETA machinery under failure, recovery, quota and two replicas,
 * each over its own Redis keys.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testServiceUrls } from '../../../lib/config/index.js';
import { Outbox } from '../../../lib/events/outbox.js';
import { RedisKeyValueStore } from '../../../lib/infra/kv.js';
import type { AuthenticatedViewer } from '../../../lib/auth/viewer.js';
import { errorCode, startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import type { HubEvents } from '../src/domain/events.js';
import { etaCacheKey } from '../src/routing/eta-cache.js';
import { createEtaPricing, type EtaPricing, type EtaPricingOverrides } from '../src/routing/pricing.js';
import { readHubNetwork } from '../src/seeders/DemoSeeder.js';
import { subgraph } from '../src/server.js';
import { RouteService, type RouteView } from '../src/services/routes.service.js';
import { fakeKakaoEta, startFakeKakao, type FakeKakao } from './fake-kakao.js';

const MEMBER: AuthenticatedViewer = {
  kind: 'user',
  userId: '0190f000-0000-7000-8000-00000000aaaa',
  role: 'MEMBER',
  hubId: null,
  firmId: null,
  sessionId: null,
  tokenVersion: 0,
};
const ROUTE = `query($from: ID!, $to: ID!) {
  route(fromHubId: $from, toHubId: $to) {
    hubs { id name }
    legs { from { id name } to { id name } durationSeconds distanceMeters etaSource }
    totalDurationSeconds
    totalDistanceMeters
  }
}`;

const network = readHubNetwork();
const hubId = (name: string) => network.hubs.find((h) => h.name === name)!.id;
const SEOUL = hubId('서울특별시 센터');
const SOUTH = hubId('경기 남부 센터');
const DAEGU = hubId('대구광역시 센터');
const BUSAN = hubId('부산광역시 센터');
const point = (id: string) => {
  const h = network.hubs.find((x) => x.id === id)!;
  return `${h.longitude},${h.latitude}`;
};
/** What the fake Kakao answers for a link, in seconds, asked in the cache's direction (hub ids in order). */
const kakaoSeconds = (a: string, b: string) =>
  a < b ? fakeKakaoEta(point(a), point(b)) : fakeKakaoEta(point(b), point(a));
const LINK_KEYS = network.links.map((l) => etaCacheKey(l.a, l.b));

describe('route query, Kakao configured through the environment', () => {
  let fake: FakeKakao;
  let sg: TestSubgraph;
  before(async () => {
    fake = await startFakeKakao({ latencyMs: 50 });
    sg = await startTestSubgraph(subgraph, {
      seed: true,
      env: { KAKAO_REST_API_KEY: 'test-key', KAKAO_BASE_URL: fake.url, KAKAO_TIMEOUT_MS: '2000' },
    });
  });
  after(async () => {
    await sg?.infra.kv.del(...LINK_KEYS).catch(() => undefined);
    await sg?.close();
    await fake?.close();
  });

  test('anonymous callers are refused', async () => {
    const r = await sg.request(ROUTE, { from: SEOUL, to: BUSAN });
    assert.equal(errorCode(r), 'UNAUTHENTICATED');
  });

  test('the same hub is a route of one hub and no legs, priced without any provider call', async () => {
    const r = await sg.request(ROUTE, { from: BUSAN, to: BUSAN }, MEMBER);
    assert.equal(r.body.errors, undefined);
    assert.deepEqual(r.body.data!.route, {
      hubs: [{ id: BUSAN, name: '부산광역시 센터' }],
      legs: [],
      totalDurationSeconds: 0,
      totalDistanceMeters: 0,
    });
    assert.equal(fake.calls.length, 0);
  });

  test('an unknown hub is NOT_FOUND naming the argument, without any provider call', async () => {
    const nowhere = uuidv7();
    const to = await sg.request(ROUTE, { from: SEOUL, to: nowhere }, MEMBER);
    assert.equal(errorCode(to), 'NOT_FOUND');
    assert.equal(to.body.errors![0]!.extensions!.reason, 'UNKNOWN_HUB');
    assert.equal(to.body.errors![0]!.extensions!.field, 'toHubId');
    assert.match(to.body.errors![0]!.message, new RegExp(nowhere));
    const from = await sg.request(ROUTE, { from: nowhere, to: SEOUL }, MEMBER);
    assert.equal(from.body.errors![0]!.extensions!.field, 'fromHubId');
    assert.equal(fake.calls.length, 0);
  });

  test('Seoul → Busan cold: concurrent requests share one Kakao call per link; warm: no call at all', async () => {
    const cold = await Promise.all(
      Array.from({ length: 10 }, () => sg.request(ROUTE, { from: SEOUL, to: BUSAN }, MEMBER)),
    );
    for (const r of cold) assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.equal(fake.calls.length, network.links.length, 'every link of the network priced once');
    assert.ok([...fake.callsPerLink().values()].every((n) => n === 1));
    assert.ok(fake.calls.every((c) => c.authorization === 'KakaoAK test-key'));

    const route = cold[0]!.body.data!.route;
    for (const r of cold) assert.deepEqual(r.body.data!.route, route);
    assert.deepEqual(
      route.hubs.map((h: { name: string }) => h.name),
      ['서울특별시 센터', '경기 남부 센터', '대구광역시 센터', '부산광역시 센터'],
    );
    const expected = [
      [SEOUL, SOUTH],
      [SOUTH, DAEGU],
      [DAEGU, BUSAN],
    ].map(([a, b]) => kakaoSeconds(a!, b!));
    assert.deepEqual(
      route.legs.map((leg: Record<string, any>) => [
        leg.from.id,
        leg.to.id,
        leg.durationSeconds,
        leg.distanceMeters,
        leg.etaSource,
      ]),
      [
        [SEOUL, SOUTH, expected[0]!.duration, expected[0]!.distance, 'KAKAO'],
        [SOUTH, DAEGU, expected[1]!.duration, expected[1]!.distance, 'KAKAO'],
        [DAEGU, BUSAN, expected[2]!.duration, expected[2]!.distance, 'KAKAO'],
      ],
    );
    assert.equal(
      route.totalDurationSeconds,
      expected.reduce((s, e) => s + e.duration, 0),
    );
    assert.equal(
      route.totalDistanceMeters,
      expected.reduce((s, e) => s + e.distance, 0),
    );

    const warm = await sg.request(ROUTE, { from: BUSAN, to: SEOUL }, MEMBER);
    assert.deepEqual(
      warm.body.data!.route.hubs.map((h: { id: string }) => h.id),
      [BUSAN, DAEGU, SOUTH, SEOUL],
    );
    assert.equal(
      warm.body.data!.route.totalDurationSeconds,
      route.totalDurationSeconds,
      'a link is one entry both ways',
    );
    assert.equal(fake.calls.length, network.links.length, 'the warm route made no provider call');
  });
});

describe('ETA pricing under failure, recovery, quota and replicas (real Redis and MariaDB)', () => {
  let sg: TestSubgraph;
  let fake: FakeKakao;
  const opened: { kv: RedisKeyValueStore; pricing: EtaPricing }[] = [];
  before(async () => {
    fake = await startFakeKakao();
    sg = await startTestSubgraph(subgraph, { seed: true });
  });
  after(async () => {
    for (const { kv, pricing } of opened) {
      await pricing.close();
      await kv.del(...LINK_KEYS, pricing.kakao!.quota.key()).catch(() => undefined);
      await kv.close();
    }
    await sg?.close();
    await fake?.close();
  });

  /** A process's pricing (a "replica"), on Redis keys of its own unless it shares `prefix` with another. */
  async function replica(
    kakao: { timeoutMs?: number; dailyQuota?: number } = {},
    overrides: EtaPricingOverrides = {},
    prefix = `hgtest:${randomBytes(4).toString('hex')}:`,
  ) {
    const kv = await RedisKeyValueStore.connect(testServiceUrls().redisUrl, prefix, (err) => assert.fail(err));
    const pricing = createEtaPricing(
      {
        kakao: {
          apiKey: 'k',
          baseUrl: fake.url,
          timeoutMs: kakao.timeoutMs ?? 1000,
          dailyQuota: kakao.dailyQuota ?? 10_000,
        },
        cacheTtlSeconds: 1800,
      },
      kv,
      undefined,
      overrides,
    );
    opened.push({ kv, pricing });
    const route = (from = SEOUL, to = BUSAN) =>
      new RouteService(sg.db.orm.em.fork(), pricing.links, new Outbox<HubEvents>('hub')).route(from, to);
    return { kv, pricing, route, prefix };
  }
  const sources = (route: RouteView) => route.legs.map((leg) => leg.etaSource);
  const reset = (mode: FakeKakao['mode'] = 'ok') => {
    fake.calls = [];
    fake.mode = mode;
    fake.latencyMs = 0;
    fake.durationFactor = 1;
  };

  test('Kakao down → estimates; once it recovers, the cache refills with Kakao answers', async () => {
    reset('reset');
    const { route, pricing } = await replica(
      {},
      { breaker: { resetTimeoutMs: 200 }, cache: { fallbackTtlSeconds: 0.3 } },
    );
    const down = await route();
    assert.deepEqual(sources(down), ['ESTIMATE', 'ESTIMATE', 'ESTIMATE']);
    assert.equal(pricing.kakao!.breaker.state, 'OPEN');
    const callsWhileDown = fake.calls.length;
    assert.ok(callsWhileDown <= network.links.length);
    assert.deepEqual(sources(await route()), ['ESTIMATE', 'ESTIMATE', 'ESTIMATE'], 'served from the cache');
    assert.equal(fake.calls.length, callsWhileDown, 'nothing asked while the estimates are fresh');

    fake.mode = 'ok';
    // Each round: the estimates have gone stale, are served at once and refreshed in the background. The first
    // refresh is the breaker's trial call; once it succeeds the rest follow.
    let rounds = 0;
    let current = down;
    while (sources(current).some((s) => s !== 'KAKAO')) {
      assert.ok(++rounds <= 10, 'the cache refills within a few rounds');
      await sleep(350);
      await route();
      await pricing.kakao!.cache.idle();
      current = await route();
    }
    assert.equal(pricing.kakao!.breaker.state, 'CLOSED');
    const expected = kakaoSeconds(SEOUL, SOUTH);
    assert.equal(current.legs[0]!.durationSeconds, expected.duration);
  });

  test(
    'Kakao answering garbage, or too slowly, or hanging → estimates, never a hung request',
    { timeout: 15_000 },
    async () => {
      for (const mode of ['garbage', 'wrong-shape', 'hang'] as const) {
        reset(mode);
        const { route } = await replica({ timeoutMs: 300 });
        assert.deepEqual(sources(await route()), ['ESTIMATE', 'ESTIMATE', 'ESTIMATE'], mode);
        assert.ok(fake.calls.length > 0, mode);
      }
      reset('ok');
      fake.latencyMs = 3000;
      const { route } = await replica({ timeoutMs: 300 });
      assert.deepEqual(sources(await route()), ['ESTIMATE', 'ESTIMATE', 'ESTIMATE'], 'slow');
    },
  );

  test('the daily quota: past it no call is made and the links fall back to the estimate', async () => {
    reset('ok');
    const { route, pricing } = await replica({ dailyQuota: 5 });
    await route();
    assert.equal(fake.calls.length, 5);
    assert.equal(await pricing.kakao!.quota.used(), network.links.length, 'every link asked for the budget');
    const byId = new Map(network.hubs.map((h) => [h.id, h]));
    const links = await pricing.links.etas(network.links.map((l) => [byId.get(l.a)!, byId.get(l.b)!] as const));
    assert.equal(links.filter((eta) => eta.source === 'KAKAO').length, 5);
    assert.equal(links.filter((eta) => eta.source === 'ESTIMATE').length, network.links.length - 5);
    assert.equal(fake.calls.length, 5, 'the estimates stand in until their short TTL ends');
  });

  test('two replicas on one Redis: a cold route costs one Kakao call per link between them', async () => {
    reset('ok');
    fake.latencyMs = 150;
    const one = await replica();
    const two = await replica({}, {}, one.prefix);
    const routes = await Promise.all([one.route(), two.route(), one.route(), two.route()]);
    assert.equal(fake.calls.length, network.links.length);
    assert.ok([...fake.callsPerLink().values()].every((n) => n === 1));
    for (const r of routes) assert.deepEqual(r, routes[0]);
    assert.deepEqual(sources(routes[0]!), ['KAKAO', 'KAKAO', 'KAKAO']);
  });

  test('stale-while-revalidate: an expired route is answered at once from the cache and refreshed behind it', async () => {
    reset('ok');
    const { route, pricing } = await replica({}, { cache: { ttlSeconds: 0.2, jitter: 0 } });
    const first = await route();
    await sleep(250);
    fake.durationFactor = 2;
    fake.latencyMs = 300;
    const answeredBefore = fake.answered;
    const stale = await route();
    assert.equal(fake.answered, answeredBefore, 'answered before Kakao did');
    assert.deepEqual(stale, first);
    await pricing.kakao!.cache.idle();
    const fresh = await route();
    assert.equal(fresh.legs[0]!.durationSeconds, Math.round(kakaoSeconds(SEOUL, SOUTH).duration * 2));
  });
});
