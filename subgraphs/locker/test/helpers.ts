/** Viewers, a graphql-ws subscriber straight to the subgraph (with a passport, as the gateway connects), waits. */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'graphql-ws/client';
import WebSocket from 'ws';
import { signPassport } from '../../../lib/auth/tokens.js';
import type { AuthenticatedViewer, Role } from '../../../lib/auth/viewer.js';
import type { Config } from '../../../lib/config/index.js';

export const SEOUL_HUB = '018f3d6c-9a10-7c11-b2a1-e3b893f00101';
export const OTHER_HUB = '018f3d6c-9a12-7c13-b2a1-e3b893f00103';

export function viewer(role: Role, userId: string, hubId: string | null = null): AuthenticatedViewer {
  return { kind: 'user', userId, role, hubId, firmId: null, sessionId: null, tokenVersion: 0 };
}
export const master = viewer('MASTER', '0190f000-0000-7000-8000-000100000001');
export const member = viewer('MEMBER', '0190f000-0000-7000-8000-000100000005');

/** Polls `check` until it returns a truthy value (or throws its last error after `ms`). */
export async function eventually<T>(check: () => Promise<T> | T, ms = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error('condition not met in time');
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(25);
  }
}

export interface Subscriber<T> {
  /** Every result received so far. */
  results: { data?: T | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }[];
  /** Waits for the n-th result (1-based). */
  nth(n: number, ms?: number): Promise<Subscriber<T>['results'][number]>;
  close(): Promise<void>;
}

/** Subscribes over graphql-ws to the subgraph at `url` (http…/graphql) as `who`, with a passport for it. */
export async function subscribe<T = any>(
  url: string,
  config: Config,
  who: AuthenticatedViewer,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Subscriber<T>> {
  const passport = await signPassport(who, 'locker', { secret: config.auth.passportSecret, ttlSeconds: 60 });
  const client: Client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { passport },
    retryAttempts: 0,
  });
  const results: Subscriber<T>['results'] = [];
  let failure: unknown;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => void results.push(value as Subscriber<T>['results'][number]),
      error: (err) => void (failure = err),
      complete: () => undefined,
    },
  );
  return {
    results,
    async nth(n, ms = 5000) {
      await eventually(() => {
        if (failure) throw failure;
        return results.length >= n;
      }, ms);
      return results[n - 1]!;
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}

/** Waits until someone (a subgraph replica) is subscribed to the pub/sub channel, so a publish reaches it. */
export async function channelLive(config: Config, channel: string): Promise<void> {
  if (!('url' in config.redis)) throw new Error('Needs Redis');
  const { createClient: createRedis } = await import('redis');
  const redis = createRedis({ url: config.redis.url });
  await redis.connect();
  try {
    const name = config.redis.prefix + channel;
    await eventually(async () => ((await redis.pubSubNumSub(name))[name] ?? 0) > 0);
  } finally {
    await redis.close();
  }
}
