/**
 * Builds the gateway (does not listen): Apollo Server over @apollo/gateway with a static supergraph, the
 * passport data sources, the session check, the IDE in development, /healthz and /readyz.
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
import { graphqlShapedErrors, jsonBody } from '../../lib/http/index.js';
import { isSubgraphName, type SubgraphName } from '../../lib/topology/index.js';
import { PassportDataSource, viewerFromAuthorization, type GatewayContext } from './auth.js';
import { authorizationPlugin, enforceableSupergraphSource, SchemaAuthorization } from './authz/index.js';
import { ideLandingPage, ideRouter, type IdeOptions } from './ide/index.js';
import {
  deadlineOf,
  DEFAULT_LIMITS,
  demandControl,
  responseLimits,
  withSubgraphLimits,
  type GatewayLimits,
} from './limits/index.js';
import { createSubscriptions, type SubscriptionOptions } from './subscriptions/index.js';

export interface GatewayOptions {
  config: Config;
  /** The supergraph; a hook (ApolloGateway's SupergraphSdlHook) can replace it while the gateway runs. */
  supergraphSdl: string | SupergraphSdlHook;
  /** Where each subgraph listens; the supergraph's own routing URLs are ignored. */
  subgraphUrls: Record<SubgraphName, string>;
  /** Where the user subgraph keeps session and token-version records (lib/auth/sessions.ts). */
  kv: KeyValueStore;
  logger: Logger;
  /** Demand control (gateway/src/limits). @default DEFAULT_LIMITS */
  limits?: GatewayLimits;
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
  subscriptionTiming,
}: GatewayOptions): Promise<GatewayServer> {
  const production = config.env === 'production';
  applyLibraryEnvironment(config);
  const passport = { secret: config.auth.passportSecret, ttlSeconds: config.auth.passportTtlSeconds };
  const sessions = new SessionCheck(kv, { cacheMs: config.auth.sessionCheckCacheMs });
  const ide: IdeOptions = { enabled: !production };
  // Every subgraph fetch honours the request's time budget and a cap on the bytes it reads.
  const LimitedPassportDataSource = withSubgraphLimits(PassportDataSource, limits);
  // Kept for subscriptions, whose per-event fetches go through the same data sources as queries.
  const dataSources = new Map<string, GraphQLDataSource>();
  const gateway = new ApolloGateway({
    // With the security features it enforces (authz/) linked as plain features, which @apollo/gateway accepts.
    supergraphSdl: enforceableSupergraphSource(supergraphSdl),
    buildService: ({ name }) => {
      if (!isSubgraphName(name)) throw new Error(`Supergraph names an unknown subgraph "${name}"`);
      const dataSource = new LimitedPassportDataSource(name, subgraphUrls[name], passport);
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
    subgraphUrls,
    app,
    auth: { jwtSecret: config.auth.jwtSecret, sessions, passport },
    limits,
    maxPerConnection: config.subscriptions.maxPerConnection,
    maxPerUser: config.subscriptions.maxPerUser,
    formatError,
    logger,
    timing: subscriptionTiming,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // A hash-only request would skip demand control (the document arrives later from a cache); off until
    // persisted queries are checked the same way.
    persistedQueries: false,
    csrfPrevention: true,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins: [ideLandingPage(ide), rateLimitHeaders, authorizationPlugin(() => authorization)],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.set('trust proxy', config.gateway.trustProxy);
  app.use(ideRouter(ide));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      Object.entries(subgraphUrls).map(async ([name, url]) => {
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
    // Before Apollo parses or validates anything: graphql-js validation is quadratic in aliases.
    demandControl({ getSchema: () => apiSchema, limits, streamsSubscription: subscriptions.streams }),
    // Subscriptions over SSE and multipart HTTP; queries, mutations and plain-HTTP subscriptions go on to Apollo.
    subscriptions.http,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        viewer: await viewerFromAuthorization(req.header('authorization'), config.auth.jwtSecret, sessions),
        clientAddress: req.ip ?? null,
        deadline: deadlineOf(res),
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
