/**
 * The one shape every subgraph has. A subgraph module (subgraphs/<name>/src/server.ts) declares its SDL,
 * resolvers, entities, migrations, seeder and per-request context; this file turns it into an
 * Express app with Apollo Server, the passport check, authorization denied by default, an
 * EntityManager fork per request, health checks and error masking. Building (createSubgraphServer) is
 * apart from listening and background work (boot.ts).
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { gql } from 'graphql-tag';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { EntityManager } from '@mikro-orm/core';
import type { DocumentNode } from 'graphql';
import type { Config } from '../config/index.js';
import { PASSPORT_HEADER, verifyPassport, type Passport } from '../auth/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { DomainError, createErrorFormatter } from '../errors/index.js';
import type { PeerDirectory } from '../federation/index.js';
import type { Infra } from '../infra/index.js';
import { REQUEST_ORIGIN, type Database, type DatabaseModule } from '../orm/index.js';
import type { Logger } from '../logger/index.js';
import { graphqlShapedErrors, jsonBody } from '../http/index.js';
import { requestScope, requestScopeOf } from '../http/request-id.js';
import { traceRequests } from '../tracing/index.js';
import { currentRequestScope } from '../logger/request-scope.js';
import { operationLogPlugin, operationMetricsPlugin } from '../metrics/apollo.js';
import { metricsEndpoint } from '../metrics/http.js';
import type { SubgraphMetrics } from '../metrics/index.js';
import type { SubgraphName } from '../topology/index.js';
import { denyAnonymousByDefault } from './authorize.js';
import { checkInputsAtTheEdge } from './inputs.js';
import { serveSubscriptions, type SubgraphSubscriptionServer } from './subscriptions.js';
import type { BackgroundTask } from './background.js';

export interface SubgraphDeps {
  config: Config;
  db: Database;
  infra: Infra;
  logger: Logger;
  /** Where the other subgraphs answer, for the rare question only their owner can answer (lib/federation). */
  peers: PeerDirectory;
  /** The subgraph's metrics (lib/metrics), served on /metrics; absent when METRICS_ENABLED=false. */
  metrics?: SubgraphMetrics;
}

/** What every resolver gets: who asks and from where, a fresh EntityManager, and the process's connections. */
export interface BaseContext {
  viewer: Viewer;
  /** The client's address as the gateway saw it (rate limits); null for the platform's own requests. */
  clientAddress: string | null;
  em: EntityManager;
  deps: SubgraphDeps;
  /** The gateway's request id (`x-request-id`), also on every log line of the request; absent over WebSockets. */
  requestId?: string;
}

export interface SubgraphDefinition<TContext extends BaseContext = BaseContext> extends DatabaseModule {
  name: SubgraphName;
  typeDefs: DocumentNode;
  /** Typed by each subgraph's generated `Resolvers`. */
  resolvers: object;
  /** Adds the subgraph's loaders and services to the base context, once per request. */
  createContext(base: BaseContext): TContext;
  /** Whether the subgraph talks MQTT (only then does its process connect to the broker). */
  usesMqtt?: boolean;
  /**
   * Work that runs beside the server (MQTT bridges, event consumers, relays, bootstrap steps): started
   * in order after the server is built, stopped in reverse order (background.ts).
   */
  background?: readonly BackgroundTask<SubgraphDeps>[];
}

/**
 * Declares a subgraph from its server module (pass `import.meta.url`): the SDL is the module's sibling
 * `schema.graphql` and the migrations its sibling `migrations/`, the same for every subgraph.
 */
export function defineSubgraph<TContext extends BaseContext>(
  moduleUrl: string,
  spec: Omit<SubgraphDefinition<TContext>, 'typeDefs' | 'migrationsPath'>,
): SubgraphDefinition<TContext> {
  const dir = path.dirname(fileURLToPath(moduleUrl));
  return {
    ...spec,
    typeDefs: gql(readFileSync(path.join(dir, 'schema.graphql'), 'utf8')),
    migrationsPath: path.join(dir, 'migrations'),
  };
}

/**
 * The executable schema of a subgraph: input hygiene on every text argument (inputs.ts), inside authorization
 * denied by default (authorize.ts), so an anonymous caller learns nothing about its arguments' validity.
 */
export function buildSchema(def: Pick<SubgraphDefinition, 'typeDefs' | 'resolvers'>) {
  const schema = buildSubgraphSchema({
    typeDefs: def.typeDefs,
    // Codegen's Resolvers type and subgraph-js's map describe the same object in two vocabularies.
    resolvers: def.resolvers as GraphQLResolverMap<unknown>,
  });
  return denyAnonymousByDefault(checkInputsAtTheEdge(schema));
}

export interface SubgraphServer {
  name: string;
  app: express.Express;
  /**
   * Serves the subgraph's Subscription fields over graphql-ws on the listening server (subscriptions.ts). Returns
   * how to close them: before the listener, whose close() would otherwise wait for the upgraded sockets forever.
   */
  attach(server: http.Server): () => Promise<void>;
  stop(): Promise<void>;
}

export async function createSubgraphServer<TContext extends BaseContext>(
  def: SubgraphDefinition<TContext>,
  deps: SubgraphDeps,
): Promise<SubgraphServer> {
  const log = deps.logger.child({ subgraph: def.name });
  const schema = buildSchema(def);
  const formatError = createErrorFormatter((error) => log.error({ err: error }, 'unexpected error in resolver'));
  const verify = (token: string | undefined) => verifyPassport(token, def.name, deps.config.auth.passportSecret);
  const contextFor = ({ viewer, clientAddress }: Passport, requestId?: string) =>
    def.createContext({
      viewer,
      clientAddress,
      em: deps.db.orm.em.fork({ loggerContext: { origin: REQUEST_ORIGIN } }),
      deps,
      requestId,
    });
  const { metrics } = deps;
  const apollo = new ApolloServer<TContext>({
    schema,
    csrfPrevention: true,
    // Subgraphs are reached only through the gateway; their own landing page would just leak the SDL.
    introspection: deps.config.env !== 'production',
    includeStacktraceInErrorResponses: false,
    formatError,
    // Inline traces are for Apollo Studio, which this platform does not report to. Subgraphs are reached only
    // through the gateway: a landing page would only advertise them.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      operationLogPlugin(log),
      // Operations by name and outcome, and the SQL statements each request sent (counted in its scope, boot.ts).
      ...(metrics
        ? [
            operationMetricsPlugin(metrics.graphql, {
              onResponse: (operation) =>
                metrics.sqlPerRequest.observe({ operation }, currentRequestScope()?.sqlStatements ?? 0),
            }),
          ]
        : []),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // Continues the gateway's trace (traceparent) in a SERVER span; no-op unless tracing is on (lib/tracing).
  app.use(traceRequests(def.name));
  // The gateway's x-request-id (else a new one), on every log line of the request.
  app.use(requestScope());
  if (metrics) app.get('/metrics', metricsEndpoint(metrics.registry, { public: deps.config.metrics.public }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const db = await deps.db.orm.checkConnection();
    res.status(db.ok ? 200 : 503).json({ status: db.ok ? 'ready' : 'unavailable', database: db.ok });
  });
  app.use(
    '/graphql',
    // Every method needs the gateway's passport, before Apollo sees the request: no landing page, no error
    // shapes, nothing for a caller who reached the port directly.
    async (req, res, next) => {
      try {
        res.locals.passport = await verify(req.header(PASSPORT_HEADER));
        next();
      } catch (err) {
        if (!(err instanceof DomainError)) return next(err);
        res.status(401).json({ errors: [{ message: err.message, extensions: { code: err.code } }] });
      }
    },
    jsonBody(),
    // The body parser went on from the socket's events, outside the request's scope: back into it.
    requestScope(),
    expressMiddleware(apollo, {
      context: async ({ res }) => contextFor(res.locals.passport as Passport, requestScopeOf(res)?.requestId),
    }),
  );
  app.use(graphqlShapedErrors);

  const subscriptions: SubgraphSubscriptionServer[] = [];
  return {
    name: def.name,
    app,
    attach(server) {
      const served = serveSubscriptions(server, {
        schema,
        verifyPassport: verify,
        createContext: contextFor,
        formatError,
      });
      subscriptions.push(served);
      return () => served.close();
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await apollo.stop();
    },
  };
}
