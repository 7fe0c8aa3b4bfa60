/**
 * A fake Kakao Mobility directions API on 127.0.0.1 (port 0) for tests and benchmarks: answers like the real one
 * (docs/domain.md §10), records every call, and can be told to be slow, down, refuse, hang or talk garbage.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { haversineMeters } from '../src/domain/geo.js';

/**
 * How the fake answers:
 * - ok: a directions answer (road distance = 1.25 × straight line, at 80 km/h: unlike the estimate on purpose);
 * - no-route: HTTP 200 with result_code 1 and no summary;
 * - error: HTTP `errorStatus` with Kakao's error body `{ code: errorCode, msg }`;
 * - garbage: HTTP 200 with a body that is not JSON;
 * - wrong-shape: HTTP 200 JSON without routes;
 * - huge: HTTP 200 with a 1 MiB body;
 * - reset: the connection is destroyed without an answer;
 * - hang: never answers (until the fake closes).
 */
export type FakeKakaoMode = 'ok' | 'no-route' | 'error' | 'garbage' | 'wrong-shape' | 'huge' | 'reset' | 'hang';

export interface FakeKakaoCall {
  /** `lng,lat` as sent. */
  origin: string;
  destination: string;
  query: URLSearchParams;
  authorization: string | undefined;
  path: string;
}

export interface FakeKakao {
  /** Base URL for KAKAO_BASE_URL. */
  url: string;
  mode: FakeKakaoMode;
  /** Milliseconds before each answer. */
  latencyMs: number;
  errorStatus: number;
  errorCode: number;
  /** Multiplies every duration in mode `ok` (traffic got worse). */
  durationFactor: number;
  calls: FakeKakaoCall[];
  /** Calls answered so far (in any mode but reset and hang). */
  answered: number;
  /** Calls per `origin → destination`. */
  callsPerLink(): Map<string, number>;
  close(): Promise<void>;
}

const parsePoint = (p: string) => {
  const [longitude, latitude] = p.split(',').map(Number);
  return { longitude: longitude!, latitude: latitude! };
};

/** What the fake answers for a link in mode `ok`: seconds and metres. */
export function fakeKakaoEta(origin: string, destination: string) {
  const meters = haversineMeters(parsePoint(origin), parsePoint(destination)) * 1.25;
  return { distance: Math.round(meters), duration: Math.round(meters / (80_000 / 3600)) };
}

export async function startFakeKakao(options: Partial<Pick<FakeKakao, 'mode' | 'latencyMs'>> = {}) {
  const hanging = new Set<ServerResponse>();
  const fake: FakeKakao = {
    url: '',
    mode: options.mode ?? 'ok',
    latencyMs: options.latencyMs ?? 0,
    errorStatus: 500,
    errorCode: -1,
    durationFactor: 1,
    calls: [],
    answered: 0,
    callsPerLink() {
      const counts = new Map<string, number>();
      for (const c of fake.calls)
        counts.set(`${c.origin} → ${c.destination}`, (counts.get(`${c.origin} → ${c.destination}`) ?? 0) + 1);
      return counts;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const call: FakeKakaoCall = {
      origin: url.searchParams.get('origin') ?? '',
      destination: url.searchParams.get('destination') ?? '',
      query: url.searchParams,
      authorization: req.headers.authorization,
      path: url.pathname,
    };
    fake.calls.push(call);
    const json = (status: number, body: unknown) => {
      fake.answered++;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    switch (fake.mode) {
      case 'ok': {
        const { distance, duration } = fakeKakaoEta(call.origin, call.destination);
        const summary = { distance, duration: Math.round(duration * fake.durationFactor), fare: { toll: 0 } };
        return json(200, { trans_id: 'fake', routes: [{ result_code: 0, result_msg: '길찾기 성공', summary }] });
      }
      case 'no-route':
        return json(200, { trans_id: 'fake', routes: [{ result_code: 1, result_msg: '길찾기 결과를 찾을 수 없음' }] });
      case 'error':
        return json(fake.errorStatus, { code: fake.errorCode, msg: 'fake error' });
      case 'garbage':
        fake.answered++;
        return res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>');
      case 'wrong-shape':
        return json(200, { routes: 'none' });
      case 'huge':
        return json(200, { routes: [], padding: ' '.repeat(1024 * 1024) });
      case 'reset':
        return req.socket.destroy();
      case 'hang':
        hanging.add(res);
        return;
    }
  };

  const server = createServer((req, res) => {
    if (fake.latencyMs > 0) setTimeout(() => answer(req, res), fake.latencyMs);
    else answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
