/**
 * Demand control: the core (demand.ts) against the real API schema built from schema/supergraph.graphql, and the
 * HTTP gate in front of a stub handler on 127.0.0.1. Refusal times are printed, not asserted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import express from 'express';
import { buildSchema, getIntrospectionQuery, parse, type GraphQLError, type GraphQLSchema } from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { ALL_FIVE_QUERY } from '../../e2e/queries.js';
import { jsonBody, listen, type Listening } from '../../lib/http/index.js';
import {
  checkDemand,
  DEFAULT_LIMITS,
  demandControl,
  parseDocument,
  responseLimits,
  type DemandRequest,
  type GatewayLimits,
} from '../src/limits/index.js';
import { enforceableSupergraph } from '../src/authz/index.js';

const supergraphSdl = enforceableSupergraph(
  await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'),
);
const apiSchema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();

/** `{ hubs { name neighbors { name neighbors { … } } } }` with `levels` levels of neighbors. */
const neighbors = (levels: number) => `{ hubs { name ${'neighbors { name '.repeat(levels)}${'} '.repeat(levels)}} }`;
const ALL_FIVE_SELECTION = ALL_FIVE_QUERY.slice(ALL_FIVE_QUERY.indexOf('{') + 1, ALL_FIVE_QUERY.lastIndexOf('}'));
const aliasedAllFive = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${ALL_FIVE_SELECTION}`).join(' ')} }`;
const SIGN_IN = 'mutation { signIn(username: "member", password: "hubgraph-demo") { refreshToken user { role } } }';
const REFRESH = 'mutation($t: String!) { refreshToken(token: $t) { accessToken refreshToken } }';

/** Checks a document parsed without the token cap, so that the other limits are what is measured. */
function check(
  query: string,
  request: Omit<DemandRequest, 'document'> = {},
  limits?: GatewayLimits,
  schema = apiSchema,
) {
  return checkDemand(schema, { document: parse(query, { noLocation: true }), ...request }, limits);
}
const codes = (report: { errors: { extensions: { code?: unknown } }[] }) => report.errors.map((e) => e.extensions.code);

/** What the HTTP tests read from a response body. */
interface GraphQLBody {
  data?: unknown;
  errors: { message: string; extensions: Record<string, any> }[];
}

function timed<T>(label: string, run: () => T): T {
  const started = performance.now();
  const result = run();
  console.log(`${label}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

describe('demand control core', () => {
  test("the repo's operations pass; ALL_FIVE_QUERY costs 8,530 (hubs ×10 × (firms ×10 …, lockers ×10 …, …))", () => {
    const allFive = check(ALL_FIVE_QUERY);
    assert.deepEqual(allFive.errors, []);
    assert.deepEqual(allFive.metrics, { depth: 5, aliases: 0, rootFields: 1, cost: 8530 });
    const withNeighbors = check('{ hubs { id name neighbors { name } } }');
    assert.deepEqual(withNeighbors.errors, []);
    assert.equal(withNeighbors.metrics.cost, 230);
    assert.deepEqual(check(SIGN_IN).errors, []);
    assert.deepEqual(check(REFRESH, { variables: { t: 'x' } }).errors, []);
    assert.equal(check('{ hubs { id } }').metrics.cost, 20);
    // The standard introspection query (IDEs send it): one level and no cost; MaxIntrospectionDepthRule bounds it.
    const introspection = check(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    assert.deepEqual(introspection.errors, []);
    assert.deepEqual(introspection.metrics, { depth: 1, aliases: 0, rootFields: 1, cost: 0 });
  });

  test('50 levels of neighbors are refused as too deep, without estimating their cost', () => {
    const report = timed('depth-50 neighbors refused (core)', () => check(neighbors(50)));
    assert.deepEqual(codes(report), ['QUERY_TOO_DEEP']);
    assert.deepEqual(report.errors[0]!.extensions, { code: 'QUERY_TOO_DEEP', limit: 10, actual: 52 });
    assert.equal(report.metrics.cost, undefined);
  });

  test('8 levels of neighbors are within the depth limit but refused for their cost', () => {
    const report = check(neighbors(8));
    assert.equal(report.metrics.depth, 10);
    assert.ok(report.metrics.depth <= DEFAULT_LIMITS.maxDepth);
    assert.deepEqual(codes(report), ['QUERY_TOO_COMPLEX']);
    assert.deepEqual(report.errors[0]!.extensions, { code: 'QUERY_TOO_COMPLEX', limit: 50_000, actual: 2_222_222_220 });
    assert.deepEqual(check(neighbors(3)).errors, [], 'three levels (cost 22,220) still pass');
  });

  test('1,000 aliases of ALL_FIVE_QUERY are refused for their aliases (and root fields)', () => {
    const source = aliasedAllFive(1000);
    const document = parse(source, { noLocation: true });
    const report = timed('1,000 aliases refused (core, parsed document)', () => checkDemand(apiSchema, { document }));
    assert.deepEqual(codes(report), ['TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS']);
    assert.deepEqual(report.errors[0]!.extensions, { code: 'TOO_MANY_ALIASES', limit: 30, actual: 1000 });
    assert.deepEqual(report.errors[1]!.extensions, { code: 'TOO_MANY_ROOT_FIELDS', limit: 20, actual: 1000 });
    // Sent as text, the same document is refused earlier still: while parsing, at the token cap.
    timed('1,000 aliases refused (parse with token cap)', () =>
      assert.throws(() => parseDocument(source), {
        extensions: { code: 'TOO_MANY_TOKENS', limit: 15_000 },
      }),
    );
  });

  test('fragments and inline fragments count towards depth, aliases and root fields', () => {
    const query = /* GraphQL */ `
      query {
        ...Root
        ... on Query {
          b: hubs {
            ...Deep
          }
        }
      }
      fragment Root on Query {
        a: hubs {
          ...Deep
        }
        c: me {
          id
        }
      }
      fragment Deep on Hub {
        n1: neighbors {
          ... on Hub {
            n2: neighbors {
              name
            }
          }
        }
      }
    `;
    // Deep's two aliases count at each of its two spreads: 2 × 2 + a, b, c.
    // Cost: 2 × hubs (10 × (1 + 10 × (1 + 10 × 2))) + me (1 + 1).
    assert.deepEqual(check(query).metrics, { depth: 4, aliases: 7, rootFields: 3, cost: 4222 });
    const limits = { ...DEFAULT_LIMITS, maxDepth: 3, maxAliases: 6, maxRootFields: 2 };
    assert.deepEqual(codes(check(query, {}, limits)), ['QUERY_TOO_DEEP', 'TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS']);
  });

  test('fragment cycles and exponential fragment spreads are measured in linear time', () => {
    const cycle = check(
      '{ hubs { ...A } } fragment A on Hub { neighbors { ...B } } fragment B on Hub { neighbors { ...A } }',
    );
    assert.equal(cycle.metrics.depth, 3);
    // Each fragment spreads the next twice: 2^40 aliases, counted by measuring each fragment once.
    const levels = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Hub { a: neighbors { ...F${i + 1} } b: neighbors { ...F${i + 1} } }`,
    );
    const bomb = `{ hubs { ...F0 } } ${levels.join(' ')} fragment F40 on Hub { id }`;
    const report = timed('fragment bomb refused (core)', () => check(bomb, {}, { ...DEFAULT_LIMITS, maxDepth: 100 }));
    assert.deepEqual(codes(report), ['TOO_MANY_ALIASES']);
    assert.equal(report.errors[0]!.extensions.actual, 2 ** 41 - 2);
    // Without aliases, fragments that expand past what the cost estimate walks are refused before it runs.
    const wide = Array.from(
      { length: 14 },
      (_, i) => `fragment F${i} on Hub { neighbors { ...F${i + 1} } neighbors { ...F${i + 1} } }`,
    );
    const expanded = timed('unaliased fragment bomb refused (core)', () =>
      check(
        `{ hubs { ...F0 } } ${wide.join(' ')} fragment F14 on Hub { id }`,
        {},
        { ...DEFAULT_LIMITS, maxDepth: 100 },
      ),
    );
    assert.deepEqual(codes(expanded), ['QUERY_TOO_COMPLEX']);
    assert.equal(expanded.errors[0]!.extensions.actual, undefined);
  });

  test('selection sets nested past 500 levels are refused whatever opens them, without walking further', () => {
    const inline = (levels: number, inside: string) =>
      `${'... on Query { '.repeat(levels)}${inside}${' }'.repeat(levels)}`;
    const report = check(`{ ${inline(600, '__typename')} }`);
    assert.equal(report.metrics.depth, 0, 'no field below level 500 was reached');
    assert.deepEqual(codes(report), ['QUERY_TOO_DEEP']);
    assert.deepEqual(report.errors[0]!.extensions, { code: 'QUERY_TOO_DEEP', limit: 500 });
    // A fragment measured where it is first spread, then spread 250 levels deeper.
    const chain = `fragment Chain on Query { ${inline(300, '__typename')} }`;
    assert.deepEqual(codes(check(`{ ...Chain ${inline(100, '...Chain')} } ${chain}`)), []);
    assert.deepEqual(codes(check(`{ ...Chain ${inline(250, '...Chain')} } ${chain}`)), ['QUERY_TOO_DEEP']);
  });

  test('every operation in the document is held to the limits, since Apollo validates them all', () => {
    const report = check(`query Small { __typename } query Deep ${neighbors(20)}`, { operationName: 'Small' });
    assert.equal(report.operation?.name?.value, 'Small');
    assert.deepEqual(codes(report), ['QUERY_TOO_DEEP']);
  });

  test('an unknown operation name or an ambiguous document is OPERATION_RESOLUTION_FAILURE', () => {
    assert.deepEqual(codes(check('query A { __typename }', { operationName: 'B' })), ['OPERATION_RESOLUTION_FAILURE']);
    assert.deepEqual(codes(check('query A { __typename } query B { __typename }')), ['OPERATION_RESOLUTION_FAILURE']);
    assert.deepEqual(codes(check('query A { __typename } query B { __typename }', { operationName: 'B' })), []);
  });

  test('list sizes come from first / last / limit arguments, variables and @skip included', () => {
    const schema: GraphQLSchema = buildSchema(
      'type Query { messages(last: Int): [Message!]! } type Message { id: ID! }',
    );
    const query =
      'query($n: Int, $skip: Boolean = false) { messages(last: $n) { id } other: messages @skip(if: $skip) { id } }';
    assert.equal(check(query, { variables: { n: 2 } }, undefined, schema).metrics.cost, 2 * 2 + 10 * 2);
    assert.equal(check(query, { variables: { n: 2, skip: true } }, undefined, schema).metrics.cost, 4);
    const huge = check(query, { variables: { n: 1_000_000 } }, undefined, schema);
    assert.deepEqual(huge.errors[0]!.extensions, { code: 'QUERY_TOO_COMPLEX', limit: 50_000, actual: 2_000_020 });
    // Variables that do not coerce leave the cost unestimated: Apollo refuses such a request before executing it.
    const invalid = check(query, { variables: { n: 'many' } }, undefined, schema);
    assert.deepEqual([invalid.errors, invalid.metrics.cost], [[], undefined]);
  });

  test('parsing is bounded: too many tokens or comments are refused while parsing', () => {
    const limit = { code: 'TOO_MANY_TOKENS', limit: 15_000 };
    assert.throws(() => parseDocument(`{ ${'__typename '.repeat(15_001)}}`), { extensions: limit });
    assert.throws(() => parseDocument(`${'#\n'.repeat(15_001)}{ __typename }`), { extensions: limit });
    assert.doesNotThrow(() => parseDocument(`{ ${'__typename '.repeat(14_998)}}`));
    // A syntax error is not a limit: it is thrown uncoded, for Apollo to report.
    assert.throws(
      () => parseDocument('{ hubs { id }'),
      (e: unknown) => !('code' in (e as GraphQLError).extensions),
    );
  });
});

describe('demand control over HTTP', () => {
  let server: Listening;
  let schema: GraphQLSchema | undefined = apiSchema;
  let reachedApollo = 0;

  before(async () => {
    const app = express();
    app.use(
      '/graphql',
      responseLimits(DEFAULT_LIMITS),
      jsonBody(),
      demandControl({ getSchema: () => schema, limits: DEFAULT_LIMITS }),
      // Stands in for Apollo's expressMiddleware.
      (_req, res) => {
        reachedApollo++;
        res.json({ data: { ok: true } });
      },
    );
    server = await listen(app, 0);
  });
  after(() => server.close());

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const started = performance.now();
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as GraphQLBody,
      ms: performance.now() - started,
    };
  }

  async function get(params: Record<string, string>) {
    const res = await fetch(`${server.url}/graphql?${new URLSearchParams(params)}`);
    return { status: res.status, body: (await res.json()) as GraphQLBody };
  }

  test('legitimate operations reach Apollo, by POST and by GET', async () => {
    const before = reachedApollo;
    assert.deepEqual((await post({ query: ALL_FIVE_QUERY, operationName: 'AllFive' })).body, { data: { ok: true } });
    assert.equal((await post({ query: REFRESH, variables: { t: 'x' } })).status, 200);
    assert.equal((await get({ query: '{ hubs { id name neighbors { name } } }' })).status, 200);
    assert.equal((await get({ query: 'query($n: Int) { hubs { id } }', variables: '{"n":1}' })).status, 200);
    assert.equal(reachedApollo, before + 4);
  });

  test('the depth-50 query: 400 QUERY_TOO_DEEP in a GraphQL-shaped body, no data', async () => {
    const before = reachedApollo;
    const res = await post({ query: neighbors(50) });
    console.log(`depth-50 neighbors refused over HTTP: ${res.ms.toFixed(1)} ms`);
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(res.body, {
      errors: [
        {
          message: 'Fields nest 52 levels deep; the limit is 10',
          extensions: { code: 'QUERY_TOO_DEEP', limit: 10, actual: 52 },
        },
      ],
    });
    assert.equal(reachedApollo, before);
  });

  test('the 1,000-alias query: 413 TOO_MANY_TOKENS, refused while parsing', async () => {
    const res = await post({ query: aliasedAllFive(1000) });
    console.log(`1,000 aliases refused over HTTP: ${res.ms.toFixed(1)} ms`);
    assert.equal(res.status, 413);
    assert.deepEqual(res.body.errors[0]!.extensions, { code: 'TOO_MANY_TOKENS', limit: 15_000 });
    // Within the token cap, aliases are what refuses it.
    const fewer = await post({ query: aliasedAllFive(100) });
    assert.equal(fewer.status, 400);
    assert.deepEqual(
      fewer.body.errors.map((e) => e.extensions.code),
      ['TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS'],
    );
  });

  test('nesting thousands of levels deep is QUERY_TOO_DEEP, whether or not the parser runs out of stack', async () => {
    // 14,403 tokens. Whether graphql-js's recursive parser overflows depends on how far the JIT has shrunk its
    // frames; parseDocument maps an overflow to QUERY_TOO_DEEP, and checkDemand stops walking at 500 levels.
    const res = await post({ query: `{ ${'a { '.repeat(4800)}b${' }'.repeat(4800)} }` });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors[0]!.extensions, { code: 'QUERY_TOO_DEEP', limit: 500 });
  });

  test('8 levels of neighbors: 400 QUERY_TOO_COMPLEX with the limit and the estimate', async () => {
    const res = await get({ query: neighbors(8) });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors[0]!.extensions, {
      code: 'QUERY_TOO_COMPLEX',
      limit: 50_000,
      actual: 2_222_222_220,
    });
  });

  test('an unknown operationName is 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const res = await post({ query: ALL_FIVE_QUERY, operationName: 'Nope' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, [
      { message: 'Unknown operation named "Nope".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
    ]);
  });

  test('a subscription over plain POST or GET is 400 SUBSCRIPTION_NOT_SUPPORTED', async () => {
    const query = 'subscription { lockerUpdated(lockerId: "1") { id } }';
    for (const res of [await post({ query }), await get({ query })]) {
      assert.equal(res.status, 400);
      assert.equal(res.body.errors[0]!.extensions.code, 'SUBSCRIPTION_NOT_SUPPORTED');
    }
  });

  test('batches, persisted-query hashes and a missing schema are refused; syntax errors go on to Apollo', async () => {
    const batch = await post([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    assert.deepEqual([batch.status, batch.body.errors[0]!.extensions.code], [400, 'BATCH_NOT_SUPPORTED']);

    const hashOnly = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } });
    assert.deepEqual(hashOnly.body.errors, [
      { message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } },
    ]);
    assert.match(hashOnly.headers.get('cache-control')!, /no-cache/);

    const before = reachedApollo;
    assert.equal((await post({ query: '{ hubs { id }' })).status, 200);
    assert.equal(reachedApollo, before + 1);

    schema = undefined;
    try {
      const notReady = await post({ query: '{ __typename }' });
      assert.deepEqual([notReady.status, notReady.body.errors[0]!.extensions.code], [503, 'SCHEMA_NOT_READY']);
    } finally {
      schema = apiSchema;
    }
  });
});
