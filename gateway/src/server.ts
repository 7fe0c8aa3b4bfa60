/**
 * Builds the gateway (does not listen): Apollo Server over @apollo/gateway with a static supergraph, the
 * passport data sources, the session check, the IDE in development, /healthz, /readyz and /metrics, request ids.
 */
import type http from 'node:http';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway, type GraphQLDataSource, type SupergraphSdlHook } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import { SessionCheck } from '../../lib/auth/sessions.js';
import { applyLibraryEnvironment, type Config } from '../../lib/config/index.js';
import { ErrorCode, createErrorFormatter } from '../../lib/errors/index.js';
import type { KeyValueStore } from '../../lib/infra/kv.js';
import type { Logger } from '../../lib/logger/index.js';
import type { RateLimiter } from '../../lib/ratelimit/index.js';
import { graphqlShapedErrors, jsonBody } from '../../lib/http/index.js';
import { requestScope, requestScopeOf } from '../../lib/http/request-id.js';
import { traceRequests } from '../../lib/tracing/index.js';
import { isSubgraphName, type SubgraphName } from '../../lib/topology/index.js';
import { PassportDataSource, viewerFromAuthorization, type GatewayContext } from './auth.js';
import { authorizationPlugin, enforceableSupergraphSource, SchemaAuthorization } from './authz/index.js';
import { createDocumentResolver, persistedDocumentsHttp } from './documents/index.js';
import { ideLandingPage, ideRouter, type IdeOptions } from './ide/index.js';
import {
  deadlineOf,
  DEFAULT_LIMITS,
  demandControl,
  OperationRateLimits,
  rateLimitOperations,
  rateLimiterOver,
  responseLimits,
  withSubgraphLimits,
  type GatewayLimits,
} from './limits/index.js';
import { withResilience } from './resilience/index.js';
import { createSubscriptions, type SubscriptionOptions } from './subscriptions/index.js';
import { gatewayObservability, observeFetches } from './observability/index.js';

export interface GatewayOptions {
  config: Config;
  /** The supergraph; a hook (ApolloGateway's SupergraphSdlHook) can replace it while the gateway runs. */
  supergraphSdl: string | SupergraphSdlHook;
  /**
   * Where each of Hubgraph's subgraphs listens (the supergraph's own routing URLs are ignored), or 'supergraph':
   * serve any supergraph, whatever its subgraphs' names, at the URLs it names (`@join__graph(url:)`).
   */
  subgraphUrls: Record<SubgraphName, string> | 'supergraph';
  /** Where the user subgraph keeps session and token-version records (lib/auth/sessions.ts). */
  kv: KeyValueStore;
  logger: Logger;
  /** Demand control (gateway/src/limits). @default DEFAULT_LIMITS */
  limits?: GatewayLimits;
  /** Counters of the operation rate limits (limits/rate.ts). @default one counting where `kv` keeps its keys */
  rateLimiter?: RateLimiter;
  /** Timings of subscriptions (session re-checks, heartbeats, reconnects); tests shorten them. */
  subscriptionTiming?: SubscriptionOptions['timing'];
}

export interface GatewayServer {
  app: express.Express;
  /** Hooks what the HTTP server carries besides requests: the WebSocket upgrades of subscriptions. */
  attach(server: http.Server): void;
  /**
   * Ends live subscriptions (WebSockets, SSE and multipart streams) and refuses new ones: call it before closing the
   * HTTP server, whose close() would otherwise wait for the upgraded sockets for ever.
   */
  closeSubscriptions(): Promise<void>;
  stop(): Promise<void>;
}

/** Each subgraph's /readyz, beside its /graphql. */
const readyUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql\/?$/, '') + '/readyz';

/**
 * RATE_LIMITED from any subgraph becomes HTTP 429 (when nothing else was answered) with `Retry-After`, so
 * clients and proxies that know HTTP back off without reading GraphQL errors.
 */
const rateLimitHeaders: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { errors, data } = response.body.singleResult;
        const retry = (errors ?? [])
          .filter((e) => e.extensions?.code === ErrorCode.RATE_LIMITED)
          .map((e) => Number(e.extensions?.retryAfterSeconds) || 1);
        if (retry.length === 0) return;
        response.http.headers.set('retry-after', String(Math.max(...retry)));
        if (!data || Object.values(data).every((v) => v === null)) response.http.status = 429;
      },
    };
  },
};

export async function createGateway({
  config,
  supergraphSdl,
  subgraphUrls,
  kv,
  logger,
  limits = DEFAULT_LIMITS,
  rateLimiter,
  subscriptionTiming,
}: GatewayOptions): Promise<GatewayServer> {
  const production = config.env === 'production';
  applyLibraryEnvironment(config);
  const passport = { secret: config.auth.passportSecret, ttlSeconds: config.auth.passportTtlSeconds };
  // Metrics (lib/metrics), when enabled: /metrics, operations, subgraph fetches, subscriptions, session checks.
  const observability = gatewayObservability(config, logger);
  const sessionChecks = observability.metrics?.sessionChecks;
  const sessions = new SessionCheck(kv, {
    cacheMs: config.auth.sessionCheckCacheMs,
    onCheck: sessionChecks && ((result) => sessionChecks.inc({ result })),
  });
  const ide: IdeOptions = { enabled: !production };
  // Persisted documents (APQ, trusted documents) resolved before demand control; rate limits on every operation.
  const documents = await createDocumentResolver({ ...config.documents, kv, logger });
  const persisted = persistedDocumentsHttp(documents);
  const rateLimits = new OperationRateLimits({
    limiter: rateLimiter ?? rateLimiterOver(kv, config.redis.prefix),
    settings: config.rateLimits,
    logger,
  });
  // Every subgraph fetch honours the request's time budget and a cap on the bytes it reads; around that, a timeout per
  // attempt, retries of reads and a breaker per subgraph, with partial results when one fails (resilience/).
  const LimitedPassportDataSource = withResilience(withSubgraphLimits(PassportDataSource, limits), config.resilience, {
    onBreakerStateChange: (state, url) =>
      logger[state === 'open' ? 'warn' : 'info']({ subgraphUrl: url, state }, 'subgraph circuit breaker'),
  });
  // Kept for subscriptions, whose per-event fetches go through the same data sources as queries.
  const dataSources = new Map<string, GraphQLDataSource>();
  // Filled as the supergraph loads: subscriptions and /readyz read it after apollo.start().
  const urls: Record<string, string> = subgraphUrls === 'supergraph' ? {} : { ...subgraphUrls };
  const gateway = new ApolloGateway({
    // With the security features it enforces (authz/) linked as plain features, which @apollo/gateway accepts.
    supergraphSdl: enforceableSupergraphSource(supergraphSdl),
    buildService: ({ name, url }) => {
      if (subgraphUrls !== 'supergraph' && !isSubgraphName(name)) {
        throw new Error(`Supergraph names an unknown subgraph "${name}"`);
      }
      if (subgraphUrls === 'supergraph') {
        if (!url) throw new Error(`Supergraph gives subgraph "${name}" no URL`);
        urls[name] = url;
      }
      // The passport's audience is the subgraph's name, whatever the name.
      const limited = new LimitedPassportDataSource(name, urls[name]!, passport);
      const fetches = observability.metrics?.subgraphFetch;
      const dataSource = fetches ? observeFetches(name, limited, fetches) : limited;
      dataSources.set(name, dataSource);
      return dataSource;
    },
  });
  // Demand control measures operations against the API schema; registered before apollo.start() loads it.
  let apiSchema: GraphQLSchema | undefined;
  let authorization: SchemaAuthorization | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema, coreSupergraphSdl }) => {
    apiSchema = schema;
    authorization = SchemaAuthorization.fromSupergraph(coreSupergraphSdl);
  });
  const formatError = createErrorFormatter((error) => logger.error({ err: error }, 'unexpected error in gateway'));
  const app = express();
  // Registered before apollo.start() loads the schema, like demand control's listener above.
  const subscriptions = createSubscriptions({
    gateway,
    dataSources,
    subgraphUrls: urls,
    app,
    auth: { jwtSecret: config.auth.jwtSecret, sessions, passport },
    limits,
    maxPerConnection: config.subscriptions.maxPerConnection,
    maxPerUser: config.subscriptions.maxPerUser,
    documents,
    rateLimits,
    formatError,
    logger,
    timing: subscriptionTiming,
    activeSubscriptions: observability.metrics?.activeSubscriptions,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Off: a hash-only request would skip demand control (Apollo looks the document up after it). Persisted queries
    // are resolved to their text before demand control instead (gateway/src/documents).
    persistedQueries: false,
    csrfPrevention: true,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins: [
      ideLandingPage(ide),
      rateLimitHeaders,
      authorizationPlugin(() => authorization),
      ...observability.plugins,
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.set('trust proxy', config.gateway.trustProxy);
  // A SERVER span per request, continuing the caller's traceparent (no-op unless tracing is on: lib/tracing).
  app.use(traceRequests('gateway'));
  // Every request gets its id (the client's x-request-id when valid), answered in x-request-id and logged with it.
  app.use(requestScope());
  if (observability.endpoint) app.get('/metrics', observability.endpoint);
  app.use(ideRouter(ide));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        try {
          const r = await fetch(readyUrl(url), { signal: AbortSignal.timeout(2000) });
          return [name, r.ok] as const;
        } catch {
          return [name, false] as const;
        }
      }),
    );
    const ready = checks.every(([, ok]) => ok);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', subgraphs: Object.fromEntries(checks) });
  });
  app.use(
    '/graphql',
    responseLimits(limits),
    jsonBody(),
    // The body parser went on from the socket's events, outside the request's scope: back into it.
    requestScope(),
    // A persisted query's hash becomes its document, which demand control then measures like any other.
    persisted.resolve,
    // Before Apollo parses or validates anything: graphql-js validation is quadratic in aliases.
    demandControl({ getSchema: () => apiSchema, limits, streamsSubscription: subscriptions.streams }),
    persisted.register,
    // Queries and mutations, per user or address, priced by demand control's cost (subscriptions: in the engine).
    rateLimitOperations({
      limits: rateLimits,
      viewerOf: (req) => viewerFromAuthorization(req.header('authorization'), config.auth.jwtSecret, sessions),
    }),
    // Subscriptions over SSE and multipart HTTP; queries, mutations and plain-HTTP subscriptions go on to Apollo.
    subscriptions.http,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        viewer: await viewerFromAuthorization(req.header('authorization'), config.auth.jwtSecret, sessions),
        clientAddress: req.ip ?? null,
        deadline: deadlineOf(res),
        requestId: requestScopeOf(res)?.requestId,
      }),
    }),
  );
  app.use(graphqlShapedErrors);

  return {
    app,
    attach: (server) => subscriptions.attach(server),
    closeSubscriptions: () => subscriptions.closeStreams(),
    async stop() {
      await subscriptions.close();
      await apollo.stop();
    },
  };
}
