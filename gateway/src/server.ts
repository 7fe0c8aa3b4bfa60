/**
 * Builds the gateway (does not listen): Apollo Server over @apollo/gateway with a static supergraph,
 * the passport data sources, Sandbox in development, /healthz and /readyz.
 */
import type http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloGateway } from '@apollo/gateway';
import { applyLibraryEnvironment, type Config } from '../../lib/config/index.js';
import { createErrorFormatter } from '../../lib/errors/index.js';
import type { Logger } from '../../lib/logger/index.js';
import { graphqlShapedErrors, jsonBody } from '../../lib/http/index.js';
import { isSubgraphName, type SubgraphName } from '../../lib/topology/index.js';
import { PassportDataSource, viewerFromAuthorization, type GatewayContext } from './auth.js';
import { attachSubscriptions, type SubscriptionServer } from './subscriptions/index.js';

export interface GatewayOptions {
  config: Config;
  supergraphSdl: string;
  /** Where each subgraph listens; the supergraph's own routing URLs are ignored. */
  subgraphUrls: Record<SubgraphName, string>;
  logger: Logger;
}

export interface GatewayServer {
  app: express.Express;
  /** Hooks what the HTTP server carries besides requests: the WebSocket upgrades of subscriptions. */
  attach(server: http.Server): void;
  stop(): Promise<void>;
}

/** Each subgraph's /readyz, beside its /graphql. */
const readyUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql\/?$/, '') + '/readyz';

export async function createGateway({ config, supergraphSdl, subgraphUrls, logger }: GatewayOptions): Promise<GatewayServer> {
  const production = config.env === 'production';
  applyLibraryEnvironment(config);
  const passport = { secret: config.auth.passportSecret, ttlSeconds: config.auth.passportTtlSeconds };
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => {
      if (!isSubgraphName(name)) throw new Error(`Supergraph names an unknown subgraph "${name}"`);
      return new PassportDataSource(name, subgraphUrls[name], passport);
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    csrfPrevention: true,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter((error) => logger.error({ err: error }, 'unexpected error in gateway')),
    plugins: [
      production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
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
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', subgraphs: Object.fromEntries(checks) });
  });
  app.use(
    '/graphql',
    jsonBody(),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        viewer: await viewerFromAuthorization(req.header('authorization'), config.auth.jwtSecret),
      }),
    }),
  );
  app.use(graphqlShapedErrors);

  const attached: SubscriptionServer[] = [];
  return {
    app,
    attach(server) {
      attached.push(attachSubscriptions(server));
    },
    async stop() {
      await Promise.all(attached.splice(0).map((s) => s.close()));
      await apollo.stop();
    },
  };
}
