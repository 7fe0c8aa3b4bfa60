/**
 * The gateway's side of the subgraphs' own subscriptions (lib/subgraph/subscriptions.ts): graphql-ws clients, one
 * connection per (subgraph, auth scope) carrying every upstream subscription of that scope, each connection with a
 * passport for that subgraph signed at (re)connect. Identical upstream subscriptions (same subgraph, operation,
 * variables and scope) are opened once and shared by every group that needs them; the last listener to leave
 * completes it on the subgraph at once, and a connection left without subscriptions closes.
 *
 * A subgraph that restarts drops the connection: the client reconnects with backoff, signs a fresh passport, and
 * resubscribes everything that was open (graphql-ws does the resubscribing). Events published while it was away are
 * lost, which is what pub/sub promises anyway.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws/client';
import WebSocket from 'ws';
import { signPassport } from '../../../lib/auth/tokens.js';
import type { Viewer } from '../../../lib/auth/viewer.js';
import { ErrorCode } from '../../../lib/errors/index.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { UpstreamEvent } from './execute.js';

/** Who an upstream subscription acts for: what the subgraphs see of the viewer (fanout groups share it). */
export interface AuthScope {
  /** Equal keys mean the subgraphs cannot tell the viewers apart. */
  key: string;
  viewer: Viewer;
}

export interface UpstreamListener {
  next(event: UpstreamEvent): void;
  /** The upstream ended: completed by the subgraph, or failed with `errors` (already safe to show). */
  end(errors?: readonly GraphQLFormattedError[]): void;
}

export interface UpstreamFetch {
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
}

export interface UpstreamPoolOptions {
  /** The subgraph's HTTP GraphQL URL (http://…/graphql); the WebSocket URL is the same with ws:. */
  url(subgraph: string): string | undefined;
  passport: { secret: string; ttlSeconds: number };
  logger: Logger;
  /** Reconnect delays: `baseMs · 2^attempt`, capped at `maxMs`, each with up to 50% jitter. @default 200, 10000 */
  retry?: { baseMs: number; maxMs: number };
  /** graphql-ws ping interval towards subgraphs, to notice a connection that died silently. @default 12000 ms */
  keepAliveMs?: number;
}

interface Connection {
  client: Client;
  subscriptions: number;
}

interface Upstream {
  listeners: Set<UpstreamListener>;
  unsubscribe(): void;
  connectionKey: string;
}

/**
 * Closes a graphql-ws client. Its `dispose()` waits for a connection attempt in flight and rejects with that
 * attempt's failure (a subgraph down, or answering the upgrade with plain HTTP): nothing is left to close then, and
 * the failure was logged when the socket closed. Unhandled, that rejection ended the gateway's process.
 */
function disposeClient(client: Client): Promise<void> {
  return Promise.resolve(client.dispose()).catch(() => undefined);
}

/** graphql-ws's close code for a refused connection (a passport the subgraph does not accept): retrying cannot help. */
const FORBIDDEN = 4403;

export class UpstreamPool {
  private readonly connections = new Map<string, Connection>();
  private readonly upstreams = new Map<string, Upstream>();
  constructor(private readonly options: UpstreamPoolOptions) {}

  /**
   * Adds `listener` to the upstream subscription of (`subgraph`, `fetch`, `scope`), opening it if it is the first.
   * Returns what removes the listener; the last removal completes the subscription on the subgraph at once.
   */
  listen(subgraph: string, fetch: UpstreamFetch, scope: AuthScope, listener: UpstreamListener): () => void {
    const key = JSON.stringify([subgraph, scope.key, fetch.query, fetch.operationName ?? null, fetch.variables]);
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      upstream = this.open(key, subgraph, fetch, scope);
      this.upstreams.set(key, upstream);
    }
    const { listeners } = upstream;
    listeners.add(listener);
    return () => {
      if (!listeners.delete(listener) || listeners.size > 0) return;
      this.forget(key);
    };
  }

  /** Completes every upstream subscription and closes every connection. */
  async close(): Promise<void> {
    for (const key of [...this.upstreams.keys()]) this.forget(key);
    await Promise.all([...this.connections.values()].map((c) => disposeClient(c.client)));
    this.connections.clear();
  }

  private open(key: string, subgraph: string, fetch: UpstreamFetch, scope: AuthScope): Upstream {
    const connectionKey = JSON.stringify([subgraph, scope.key]);
    const connection = this.connection(connectionKey, subgraph, scope);
    connection.subscriptions++;
    const listeners = new Set<UpstreamListener>();
    const ended = (errors?: readonly GraphQLFormattedError[]) => {
      if (this.upstreams.get(key)?.listeners !== listeners) return;
      this.forget(key);
      for (const listener of listeners) listener.end(errors);
    };
    const unsubscribe = connection.client.subscribe<Record<string, unknown>>(
      { query: fetch.query, operationName: fetch.operationName, variables: fetch.variables },
      {
        next: (event) => {
          for (const listener of listeners) listener.next(event);
        },
        complete: () => ended(),
        error: (error) => ended(this.upstreamErrors(subgraph, error)),
      },
    );
    return { listeners, unsubscribe, connectionKey };
  }

  private forget(key: string) {
    const upstream = this.upstreams.get(key);
    if (!upstream) return;
    this.upstreams.delete(key);
    // Sends `complete` now if the subscription is live: the subgraph's iterator returns and its topic unsubscribes.
    upstream.unsubscribe();
    const connection = this.connections.get(upstream.connectionKey);
    if (connection && --connection.subscriptions === 0) {
      this.connections.delete(upstream.connectionKey);
      void disposeClient(connection.client);
    }
  }

  private connection(key: string, subgraph: string, scope: AuthScope): Connection {
    const existing = this.connections.get(key);
    if (existing) return existing;
    const { passport, logger, retry = { baseMs: 200, maxMs: 10_000 }, keepAliveMs = 12_000 } = this.options;
    const url = this.options.url(subgraph);
    if (!url) throw new Error(`No URL for subgraph "${subgraph}"`);
    const log = logger.child({ subgraph, upstream: 'graphql-ws' });
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      keepAlive: keepAliveMs,
      // A fresh passport on every (re)connect: the subgraph checks it once per connection, and it lives 60 s.
      // No client address: the connection is shared by every subscriber of the scope, so no one address is true of it.
      connectionParams: async () => ({ passport: await signPassport(scope.viewer, subgraph, passport) }),
      retryAttempts: Infinity,
      shouldRetry: (event) => (event as { code?: number } | undefined)?.code !== FORBIDDEN,
      retryWait: async (attempt) => {
        const delay = Math.min(retry.maxMs, retry.baseMs * 2 ** attempt);
        await sleep(delay * (0.5 + Math.random() / 2));
      },
      on: {
        connected: (_socket, _payload, reconnected) => {
          if (reconnected) log.info('reconnected to the subgraph; open subscriptions resubscribed');
        },
        closed: (event) => {
          const { code } = event as { code?: number };
          // 1000 is the client's own lazy close when its last subscription ends.
          if (code !== 1000) log.warn({ code }, 'subscription connection to the subgraph closed; reconnecting');
        },
      },
    });
    const connection = { client, subscriptions: 0 };
    this.connections.set(key, connection);
    return connection;
  }

  /** What graphql-ws reports when an upstream fails: the subgraph's own (formatted) errors, or a close event. */
  private upstreamErrors(subgraph: string, error: unknown): readonly GraphQLFormattedError[] {
    if (Array.isArray(error) && error.every((e) => typeof e?.message === 'string')) return error;
    this.options.logger.warn({ subgraph, err: error }, 'upstream subscription failed');
    return [
      {
        message: `The subscription's source (subgraph "${subgraph}") cannot be reached; subscribe again later`,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
      },
    ];
  }
}
