/**
 * Federated subscriptions (docs/architecture.md §9): every Subscription field of the supergraph, served on the
 * gateway's /graphql over graphql-ws (WebSocket upgrade), graphql-sse and Apollo's multipart HTTP protocol.
 *
 *   client ──ws/SSE/multipart──▶ transport ──▶ engine.subscribe ──▶ fan-out group ──▶ upstream (graphql-ws, passport)
 *                                                                     │ per event: executeQueryPlan(rest), once
 *   every subscriber of the group ◀── the same JSON string ◀──────────┘
 *
 * - planner.ts: the query plan of a subscription, split into the upstream fetch and the per-event plan;
 * - upstream.ts: graphql-ws connections to subgraphs, shared per auth scope, reconnecting with fresh passports;
 * - fanout.ts + execute.ts: deduplicated groups, one execution and one serialization per event;
 * - engine.ts: the one subscribe function (demand control, validation, limits) behind the three transports;
 * - session.ts: the token and session behind a connection, watched while it lives;
 * - ws.ts, sse.ts, multipart.ts, streams.ts: the transports.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express, Request, RequestHandler } from 'express';
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { GraphQLFormattedError } from 'graphql';
import type { SessionCheck } from '../../../lib/auth/sessions.js';
import { ErrorCode } from '../../../lib/errors/index.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { DocumentResolver } from '../documents/index.js';
import type { GatewayLimits, OperationRateLimits } from '../limits/index.js';
import { requestError } from '../limits/errors.js';
import { SubscriptionEngine } from './engine.js';
import { EventExecutor } from './execute.js';
import { multipartHandler } from './multipart.js';
import { ClientSession } from './session.js';
import { sseHandler } from './sse.js';
import { httpSubscriptions, streamingTransport, type OpenHttpSession } from './streams.js';
import { UpstreamPool } from './upstream.js';
import { countedSubscriptions } from '../observability/subscriptions.js';
import type { GatewayMetrics } from '../../../lib/metrics/index.js';
import { expressClientAddress, graphqlWsServer, type GraphqlWsServer } from './ws.js';

export interface SubscriptionOptions {
  /** Its schema loads and updates drive the planner (onSchemaLoadOrUpdate). */
  gateway: ApolloGateway;
  /** The gateway's data sources by subgraph name, as its buildService made them (passports, budgets, byte caps). */
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  /** Where each subgraph's /graphql listens; its graphql-ws endpoint is the same URL with ws:. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** The gateway's express app: its `trust proxy` decides the client address of a WebSocket upgrade too. */
  app: Express;
  auth: {
    jwtSecret: string;
    sessions: SessionCheck;
    passport: { secret: string; ttlSeconds: number };
  };
  /** Demand control and the per-event time budget and result cap. */
  limits: GatewayLimits;
  /** Live subscriptions per graphql-ws connection, and per user (anonymous: per address) on this gateway. */
  maxPerConnection: number;
  maxPerUser: number;
  /** Persisted documents (APQ, trusted documents) for graphql-ws; the HTTP transports are resolved before. */
  documents?: DocumentResolver;
  /** Rate limits: every subscription start is charged, over every transport. */
  rateLimits?: Pick<OperationRateLimits, 'charge'>;
  /** The gateway's error formatter (lib/errors createErrorFormatter), so that subscriptions mask like queries. */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logger: Logger;
  /** Live subscriptions by transport (lib/metrics); absent when metrics are off. */
  activeSubscriptions?: GatewayMetrics['activeSubscriptions'];
  /** The path of all three transports. @default '/graphql' */
  path?: string;
  /** Timings, for tests. */
  timing?: {
    /** How often a live session is checked again (sign-out, role change). @default 15000 ms */
    sessionRecheckMs?: number;
    /** Multipart heartbeat interval. @default 5000 ms */
    heartbeatMs?: number;
    /** graphql-ws ping interval, towards clients and subgraphs. @default 12000 ms */
    keepAliveMs?: number;
    /** Reconnect backoff towards subgraphs. @default { baseMs: 200, maxMs: 10000 } */
    upstreamRetry?: { baseMs: number; maxMs: number };
  };
}

export interface Subscriptions {
  /** SSE and multipart subscriptions on /graphql; mount after demand control. Anything else goes on (next()). */
  http: RequestHandler;
  /** For demand control's `streamsSubscription`: whether `http` would stream this request's subscription. */
  streams(req: Request): boolean;
  /** Takes over WebSocket upgrades of `server` (graphql-ws on the path; anything else is refused). */
  attach(server: http.Server): void;
  /**
   * Ends every live subscription (graphql-ws sockets close with 1001, streams end) and refuses new ones. Call it
   * before closing the HTTP server: `server.close()` waits for upgraded sockets, which it never closes itself.
   */
  closeStreams(): Promise<void>;
  /** closeStreams, then the upstream connections. */
  close(): Promise<void>;
}

export function createSubscriptions(options: SubscriptionOptions): Subscriptions {
  const { logger, limits, timing = {} } = options;
  const path = options.path ?? '/graphql';
  const log = logger.child({ component: 'subscriptions' });
  const upstreams = new UpstreamPool({
    url: (name) => options.subgraphUrls[name],
    passport: options.auth.passport,
    logger: log,
    retry: timing.upstreamRetry,
    keepAliveMs: timing.keepAliveMs,
  });
  const executor = new EventExecutor({
    dataSources: options.dataSources,
    limits,
    formatError: options.formatError,
    logger: log,
  });
  const engine = new SubscriptionEngine({
    upstreams,
    executor,
    limits,
    maxPerUser: options.maxPerUser,
    logger: log,
    documents: options.documents,
    rateLimits: options.rateLimits,
  });
  options.gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    engine.setSupergraph(coreSupergraphSdl, apiSchema);
  });

  const sessionAuth = {
    jwtSecret: options.auth.jwtSecret,
    sessions: options.auth.sessions,
    recheckMs: timing.sessionRecheckMs,
    logger: log,
  };
  const openHttpSession: OpenHttpSession = (req) =>
    ClientSession.open(req.get('authorization'), req.ip ?? null, 1, sessionAuth);
  const http = httpSubscriptions({
    sse: sseHandler(countedSubscriptions(engine, 'sse', options.activeSubscriptions), openHttpSession),
    multipart: multipartHandler(
      countedSubscriptions(engine, 'multipart', options.activeSubscriptions),
      openHttpSession,
      timing.heartbeatMs,
    ),
  });
  const ws: GraphqlWsServer = graphqlWsServer({
    engine: countedSubscriptions(engine, 'ws', options.activeSubscriptions),
    openSession: (authorization, clientAddress) =>
      ClientSession.open(authorization, clientAddress, options.maxPerConnection, sessionAuth),
    clientAddress: expressClientAddress(options.app),
    formatError: options.formatError,
    logger: log,
    keepAliveMs: timing.keepAliveMs,
  });

  let closing = false;
  const servers = new Set<http.Server>();
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(req.url ?? '/', 'http://gateway');
    if (pathname === path && !closing) return ws.handleUpgrade(req, socket, head);
    const [status, message] =
      pathname === path
        ? ['503 Service Unavailable', 'The gateway is shutting down']
        : ['404 Not Found', `WebSocket upgrade on ${pathname} is not served; subscriptions are on ${path}`];
    const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  };

  const closeStreams = async () => {
    if (closing) return;
    closing = true;
    const shutdown = requestError(ErrorCode.SERVICE_UNAVAILABLE, 'The gateway is shutting down; subscribe again');
    engine.endAll([shutdown.toJSON()], shutdown);
    await ws.close();
  };

  return {
    http,
    streams: (req) => streamingTransport(req) !== undefined,
    attach(server) {
      servers.add(server);
      server.on('upgrade', onUpgrade);
    },
    closeStreams,
    async close() {
      await closeStreams();
      for (const server of servers) server.off('upgrade', onUpgrade);
      servers.clear();
      await upstreams.close();
    },
  };
}
