/**
 * The request-time budget and the response caps through a real Apollo Server + @apollo/gateway on the repo's
 * supergraph, wired as gateway/src/server.ts is to be wired, every subgraph being one stub server on 127.0.0.1
 * that answers as each test says: slowly, hugely, or in chunks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { createErrorFormatter } from '../../lib/errors/index.js';
import { jsonBody, listen, type Listening } from '../../lib/http/index.js';
import {
  deadlineOf,
  DEFAULT_LIMITS,
  demandControl,
  responseLimits,
  startDeadline,
  withSubgraphLimits,
  type GatewayLimits,
  type LimitsContext,
} from '../src/limits/index.js';
import { enforceableSupergraph } from '../src/authz/index.js';

const limits: GatewayLimits = {
  ...DEFAULT_LIMITS,
  requestBudgetMs: 1000,
  maxSubgraphResponseBytes: 64 * 1024,
  maxResponseBytes: 16 * 1024,
};

/** What the tests read from a response body. */
interface GraphQLBody {
  data?: unknown;
  errors: { message: string; extensions: Record<string, any> }[];
}

/** Stands in for PassportDataSource: constructor arguments of its own, and a header set in willSendRequest. */
class NamedDataSource extends RemoteGraphQLDataSource<LimitsContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request }: GraphQLDataSourceProcessOptions<LimitsContext>) {
    request.http?.headers.set('x-subgraph', this.subgraph);
  }
}
const LimitedDataSource = withSubgraphLimits(NamedDataSource, limits);

interface StubRequest {
  subgraph?: string;
  /** Resolves true if the gateway closed the request before the stub answered it. */
  abandoned: Promise<boolean>;
}
const received: StubRequest[] = [];
let answer: (res: http.ServerResponse) => void;

const hubs = (count: number) =>
  JSON.stringify({
    data: { hubs: Array.from({ length: count }, (_, i) => ({ id: `hub-${String(i).padStart(6, '0')}` })) },
  });
const whole = (body: string) => (res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
};
const inChunks = (body: string) => (res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }); // No length: the cap must count as it reads.
  for (let i = 0; i < body.length; i += 8192) res.write(body.slice(i, i + 8192));
  res.end();
};
const never = () => {};

describe('request budget and response caps behind @apollo/gateway', () => {
  let subgraphs: Listening;
  let gatewayServer: Listening;
  let apollo: ApolloServer<LimitsContext>;

  before(async () => {
    subgraphs = await listen((req: http.IncomingMessage, res: http.ServerResponse) => {
      const abandoned = new Promise<boolean>((resolve) => res.once('close', () => resolve(!res.writableFinished)));
      received.push({ subgraph: req.headers['x-subgraph'] as string | undefined, abandoned });
      req.resume().once('end', () => answer(res)); // Answers once it has read the request, as a subgraph would.
    }, 0);

    // The wiring proposed for gateway/src/server.ts, with a stand-in data source and no auth.
    const supergraphSdl = enforceableSupergraph(
      await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'),
    );
    let apiSchema: GraphQLSchema | undefined;
    const gateway = new ApolloGateway({
      supergraphSdl,
      buildService: ({ name }) => new LimitedDataSource(name, `${subgraphs.url}/graphql`),
    });
    gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
      apiSchema = schema;
    });
    apollo = new ApolloServer<LimitsContext>({
      gateway,
      persistedQueries: false,
      includeStacktraceInErrorResponses: false,
      // The gateway's formatter masks uncoded errors: the limits' coded ones must come through it.
      formatError: createErrorFormatter((error) => assert.fail(`masked: ${String(error)}`)),
    });
    await apollo.start();
    const app = express();
    app.use(
      '/graphql',
      responseLimits(limits),
      jsonBody(),
      demandControl({ getSchema: () => apiSchema, limits }),
      expressMiddleware(apollo, { context: async ({ res }) => ({ deadline: deadlineOf(res) }) }),
    );
    gatewayServer = await listen(app, 0);
  });

  after(async () => {
    await gatewayServer.close();
    await apollo.stop();
    await subgraphs.close();
  });

  async function query(text: string, signal?: AbortSignal) {
    const started = performance.now();
    const res = await fetch(`${gatewayServer.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: text }),
      signal,
    });
    return {
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as GraphQLBody,
      ms: performance.now() - started,
    };
  }

  test('within the limits the operation runs, through the subclass the limits were added to', async () => {
    answer = whole(hubs(2));
    const res = await query('{ hubs { id } }');
    assert.deepEqual(res.body, { data: { hubs: [{ id: 'hub-000000' }, { id: 'hub-000001' }] } });
    assert.equal(received.at(-1)!.subgraph, 'hub');
  });

  test('a subgraph slower than the budget is aborted; the client reads REQUEST_TIMEOUT and the budget', async () => {
    answer = never;
    const res = await query('{ hubs { id } }');
    console.log(`slow subgraph cut off after ${res.ms.toFixed(0)} ms (budget ${limits.requestBudgetMs} ms)`);
    assert.ok(res.ms >= limits.requestBudgetMs && res.ms < limits.requestBudgetMs + 1000);
    assert.equal(res.body.data, null);
    const error = res.body.errors[0]!;
    assert.equal(error.extensions.code, 'REQUEST_TIMEOUT');
    assert.equal(error.extensions.limit, 1000);
    assert.ok(error.extensions.actual >= 1000);
    assert.equal(await received.at(-1)!.abandoned, true, 'the subgraph request was closed, not left running');
  });

  test('a client that goes away aborts its subgraph fetches before the budget is spent', async () => {
    answer = never;
    const started = performance.now();
    await assert.rejects(query('{ hubs { id } }', AbortSignal.timeout(100)), { name: 'TimeoutError' });
    assert.equal(await received.at(-1)!.abandoned, true);
    assert.ok(performance.now() - started < limits.requestBudgetMs);
  });

  test('a subgraph answer over maxSubgraphResponseBytes is refused, declared or counted while read', async () => {
    const body = hubs(5000); // ~120 kB
    answer = whole(body);
    const declared = (await query('{ hubs { id } }')).body.errors[0]!;
    assert.deepEqual(declared.extensions, {
      code: 'SUBGRAPH_RESPONSE_TOO_LARGE',
      limit: 64 * 1024,
      actual: Buffer.byteLength(body),
    });
    answer = inChunks(body);
    const counted = (await query('{ hubs { id } }')).body.errors[0]!;
    assert.deepEqual(counted.extensions, { code: 'SUBGRAPH_RESPONSE_TOO_LARGE', limit: 64 * 1024 });
  });

  test('an answer over maxResponseBytes is replaced by 400 RESPONSE_TOO_LARGE with the limit in bytes', async () => {
    answer = inChunks(hubs(2000)); // ~48 kB: under the subgraph cap, over the response cap.
    const res = await query('{ hubs { id } }');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.data, undefined);
    const error = res.body.errors[0]!;
    assert.equal(error.extensions.code, 'RESPONSE_TOO_LARGE');
    assert.equal(error.extensions.limit, 16 * 1024);
    assert.ok(error.extensions.actual > 40_000);
  });

  test('once the deadline has passed, a later fetch of the operation is refused without a round trip', async () => {
    const deadline = startDeadline(1);
    await sleep(20);
    const before = received.length;
    const source = new LimitedDataSource('hub', `${subgraphs.url}/graphql`);
    // GraphQLDataSourceRequestKind.INCOMING_OPERATION: the enum is not among the ESM names Node finds in the package.
    const options = {
      kind: 'incoming operation',
      request: { query: '{ hubs { id } }' },
      context: { deadline },
      incomingRequestContext: {},
    } as unknown as GraphQLDataSourceProcessOptions<LimitsContext>;
    const error = await source.process(options).catch((e: GraphQLError) => e);
    assert.equal((error as GraphQLError).extensions.code, 'REQUEST_TIMEOUT');
    assert.equal(received.length, before);
  });
});
