/**
 * The Kakao Mobility client against a fake Kakao on 127.0.0.1: the request it sends, the answer it reads (seconds and
 * metres), and every failure mapped to a kind, within its timeout (a hung server must not hang a route).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtaProviderError, type EtaFailure, type HubPoint } from '../src/routing/eta.js';
import { KakaoEtaProvider, kindOfKakaoError } from '../src/routing/kakao.js';
import { fakeKakaoEta, startFakeKakao, type FakeKakao } from './fake-kakao.js';

const seoul: HubPoint = { id: 'seoul', latitude: 37.4748818, longitude: 127.1219623 };
const south: HubPoint = { id: 'south', latitude: 37.1905096, longitude: 127.3785449 };

const failsWith =
  (kind: EtaFailure, details: { status?: number; code?: number } = {}) =>
  (err: unknown) => {
    assert.ok(err instanceof EtaProviderError, String(err));
    assert.equal(err.kind, kind, err.message);
    for (const [k, v] of Object.entries(details)) assert.equal(err.details[k as 'status' | 'code'], v, k);
    return true;
  };

describe('Kakao directions client', () => {
  let fake: FakeKakao;
  let kakao: KakaoEtaProvider;
  before(async () => {
    fake = await startFakeKakao();
    kakao = new KakaoEtaProvider({ apiKey: 'test-key', baseUrl: fake.url, timeoutMs: 500 });
  });
  after(() => fake?.close());

  test('sends GET /v1/directions with the key, lng,lat points and the truck parameters; reads seconds and metres', async () => {
    fake.mode = 'ok';
    const eta = await kakao.eta(seoul, south);
    const call = fake.calls.at(-1)!;
    assert.equal(call.path, '/v1/directions');
    assert.equal(call.authorization, 'KakaoAK test-key');
    assert.equal(call.origin, '127.1219623,37.4748818', 'x (longitude) first');
    assert.equal(call.destination, '127.3785449,37.1905096');
    assert.deepEqual(
      Object.fromEntries(['car_type', 'car_fuel', 'car_hipass', 'summary'].map((k) => [k, call.query.get(k)])),
      { car_type: '2', car_fuel: 'DIESEL', car_hipass: 'true', summary: 'true' },
    );
    const expected = fakeKakaoEta(call.origin, call.destination);
    assert.deepEqual(eta, { durationSeconds: expected.duration, distanceMeters: expected.distance, source: 'KAKAO' });
  });

  test('HTTP 200 with a non-zero result_code is a failure (NO_ROUTE), not a route', async () => {
    fake.mode = 'no-route';
    await assert.rejects(kakao.eta(seoul, south), failsWith('NO_ROUTE', { status: 200, code: 1 }));
  });

  test('Kakao error codes map to kinds: quota, refusals, outages', async () => {
    fake.mode = 'error';
    const cases: [number, number, EtaFailure][] = [
      [400, -10, 'QUOTA_EXCEEDED'],
      [401, -401, 'REJECTED'],
      [400, -2, 'REJECTED'],
      [403, -4, 'REJECTED'],
      [500, -1, 'UNAVAILABLE'],
      [500, -7, 'UNAVAILABLE'],
      [502, -999, 'UNAVAILABLE'],
    ];
    for (const [status, code, kind] of cases) {
      fake.errorStatus = status;
      fake.errorCode = code;
      await assert.rejects(kakao.eta(seoul, south), failsWith(kind, { status, code }));
    }
    assert.equal(kindOfKakaoError(403, undefined), 'REJECTED', 'a 403 without Kakao’s body');
    assert.equal(kindOfKakaoError(503, undefined), 'UNAVAILABLE');
  });

  test('garbage is BAD_RESPONSE: not JSON, JSON that is not a directions answer, or a runaway body', async () => {
    fake.mode = 'garbage';
    await assert.rejects(kakao.eta(seoul, south), failsWith('BAD_RESPONSE'));
    fake.mode = 'wrong-shape';
    await assert.rejects(kakao.eta(seoul, south), failsWith('BAD_RESPONSE'));
    fake.mode = 'huge';
    await assert.rejects(kakao.eta(seoul, south), (e) => failsWith('BAD_RESPONSE')(e) && /larger than/.test(String(e)));
  });

  test('a server that never answers is a TIMEOUT within the budget, not a hung call', { timeout: 5000 }, async () => {
    fake.mode = 'hang';
    await assert.rejects(kakao.eta(seoul, south), failsWith('TIMEOUT'));
    fake.mode = 'ok';
    fake.latencyMs = 1500;
    await assert.rejects(kakao.eta(seoul, south), failsWith('TIMEOUT'));
    fake.latencyMs = 0;
  });

  test('a dropped connection or a closed port is UNAVAILABLE', async () => {
    fake.mode = 'reset';
    await assert.rejects(kakao.eta(seoul, south), failsWith('UNAVAILABLE'));
    const closed = await startFakeKakao();
    await closed.close();
    await assert.rejects(
      new KakaoEtaProvider({ apiKey: 'k', baseUrl: closed.url, timeoutMs: 500 }).eta(seoul, south),
      failsWith('UNAVAILABLE'),
    );
  });

  test('a caller that gives up gets its own reason, not a provider failure', async () => {
    fake.mode = 'hang';
    const controller = new AbortController();
    const reason = new Error('request gone');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(kakao.eta(seoul, south, { signal: controller.signal }), (e) => e === reason);
  });
});
