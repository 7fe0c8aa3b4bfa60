/**
 * The Kakao Mobility directions client (docs/domain.md §10): one link's road ETA for a mid-size diesel truck with
 * Hi-pass. Every way the call can go wrong becomes an EtaProviderError of a known kind, within `timeoutMs`, so the
 * caller (the ETA cache) can always fall back to the estimate instead of hanging or reading a failure as success.
 */
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { EtaProviderError, type EtaOptions, type EtaProvider, type HubPoint, type LinkEta } from './eta.js';

/** @see EtaProvider */
export interface KakaoOptions {
  /** The app's REST API key (Kakao Developers), sent as `Authorization: KakaoAK <key>`. */
  readonly apiKey: string;
  /** @default https://apis-navi.kakaomobility.com */
  readonly baseUrl?: string;
  /** Milliseconds for the whole call, body included. @default 2000 */
  readonly timeoutMs?: number;
}

export const KAKAO_BASE_URL = 'https://apis-navi.kakaomobility.com';

/** A directions answer is a few hundred bytes with `summary=true`; anything far larger is not one. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * The fixed request parameters: toll class 2 (mid-size van or truck), diesel, Hi-pass fitted, summary only. The
 * route priority stays Kakao's default (RECOMMEND).
 */
const VEHICLE = { car_type: '2', car_fuel: 'DIESEL', car_hipass: 'true', summary: 'true' } as const;

/** The fields used of a 200 answer. A failed route has a non-zero `result_code` and no `summary`. */
const Directions = z.object({
  routes: z
    .array(
      z.object({
        result_code: z.number().int(),
        result_msg: z.string().optional(),
        summary: z
          .object({
            /** Seconds. */
            duration: z.number().finite().nonnegative(),
            /** Metres. */
            distance: z.number().finite().nonnegative(),
          })
          .optional(),
      }),
    )
    .min(1),
});

/** Kakao's common error body, sent with 4xx and 5xx statuses. */
const KakaoErrorBody = z.object({ code: z.number().int(), msg: z.string().optional() });

/**
 * How Kakao's error codes map (docs/domain.md §10): −10 is the quota; −2/−8/−9 (bad parameter, header, deprecated
 * API), −3/−4/−5 (feature off, account restricted, no permission) and −401 (bad key) are refusals that retrying
 * will not cure; −1 and −7 (internal error, maintenance) and anything unknown are outages.
 */
export function kindOfKakaoError(status: number, code: number | undefined): EtaProviderError['kind'] {
  if (code === -10) return 'QUOTA_EXCEEDED';
  if (code !== undefined && [-2, -3, -4, -5, -8, -9, -401].includes(code)) return 'REJECTED';
  if (code === undefined && (status === 401 || status === 403)) return 'REJECTED';
  return 'UNAVAILABLE';
}

/** `x,y` is longitude first. */
const point = (p: HubPoint) => `${p.longitude},${p.latitude}`;

export class KakaoEtaProvider implements EtaProvider {
  readonly source = 'KAKAO' as const;
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: KakaoOptions) {
    this.endpoint = new URL('/v1/directions', options.baseUrl ?? KAKAO_BASE_URL).toString();
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  async eta(from: HubPoint, to: HubPoint, options: EtaOptions = {}): Promise<LinkEta> {
    options.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const url = `${this.endpoint}?${new URLSearchParams({ origin: point(from), destination: point(to), ...VEHICLE })}`;
    const what = `Kakao directions ${from.id} → ${to.id}`;
    let status: number;
    let text: string;
    try {
      ({ status, text } = await get(
        url,
        { authorization: `KakaoAK ${this.options.apiKey}`, accept: 'application/json' },
        signal,
      ));
    } catch (err) {
      // The caller gave up: its reason, not a provider failure.
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new EtaProviderError('TIMEOUT', `${what}: no answer within ${this.timeoutMs} ms`, {}, { cause: err });
      }
      if (err instanceof EtaProviderError) throw err;
      throw new EtaProviderError('UNAVAILABLE', `${what}: ${(err as Error).message}`, {}, { cause: err });
    }

    const body = parseJson(text);
    if (status !== 200) {
      const error = KakaoErrorBody.safeParse(body);
      const code = error.success ? error.data.code : undefined;
      const message = error.success && error.data.msg ? `: ${error.data.msg}` : '';
      throw new EtaProviderError(kindOfKakaoError(status, code), `${what}: HTTP ${status}${message}`, {
        status,
        code,
      });
    }
    const parsed = Directions.safeParse(body);
    if (!parsed.success) throw new EtaProviderError('BAD_RESPONSE', `${what}: not a directions answer`, { status });
    // A failed route is still HTTP 200: the result code says so (docs/domain.md §11, mistake 13).
    const route = parsed.data.routes[0]!;
    if (route.result_code !== 0) {
      throw new EtaProviderError('NO_ROUTE', `${what}: ${route.result_msg ?? 'no route'} (${route.result_code})`, {
        status,
        code: route.result_code,
      });
    }
    if (!route.summary) throw new EtaProviderError('BAD_RESPONSE', `${what}: success without a summary`, { status });
    return {
      durationSeconds: Math.round(route.summary.duration),
      distanceMeters: Math.round(route.summary.distance),
      source: 'KAKAO',
    };
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Connections kept between calls: a cold route makes one call per link at once, and the next refresh reuses them
 * (idle ones do not keep the process alive).
 */
const AGENTS = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * GET with node:http(s) rather than fetch, which costs several times the CPU: 18 parallel calls to a local server took
 * a median 4–10 ms this way against 20–31 ms with fetch (2 shared cores), and a cold route makes 18 at once. Refuses
 * a body over MAX_BODY_BYTES (a runaway answer must not fill memory); `signal` aborts the request or the body under
 * way.
 */
function get(url: string, headers: Record<string, string>, signal: AbortSignal) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const agent = target.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'];
    const req = client.get(target, { headers, signal, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new EtaProviderError('BAD_RESPONSE', `answer larger than ${MAX_BODY_BYTES} bytes`));
        } else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new Error('connection closed before the answer ended'));
      });
    });
    req.on('error', reject);
  });
}
