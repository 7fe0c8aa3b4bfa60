/**
 * The subscription engine's parts without a network: how the pinned @apollo/query-planner plans a subscription and
 * how the pinned @apollo/gateway's executeQueryPlan runs an event through that plan (the contract this path leans
 * on: docs/architecture.md §9), how fan-out groups share work, and what an auth scope shares.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLDataSource } from '@apollo/gateway';
import { parse, type GraphQLFormattedError } from 'graphql';
import type { AuthenticatedViewer } from '../../lib/auth/viewer.js';
import { createErrorFormatter } from '../../lib/errors/index.js';
import { silentLogger } from '../../lib/testing/index.js';
import { DEFAULT_LIMITS } from '../src/limits/index.js';
import { authScope } from '../src/subscriptions/engine.js';
import { EventExecutor } from '../src/subscriptions/execute.js';
import { FanoutGroup, SubscriberStream } from '../src/subscriptions/fanout.js';
import { EVENT_SERVICE, PlanningError, SubscriptionPlanner } from '../src/subscriptions/planner.js';
import { fixtureSupergraph } from './subscriptions.fixtures.js';

const sdl = fixtureSupergraph();
const apiSchema = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
const QUERY = 'subscription S($id: ID!) { lockerUpdated(lockerId: $id) { name place: hub { name } } }';

const viewer: AuthenticatedViewer = {
  kind: 'user',
  userId: '0190f000-0000-7000-8000-000000000001',
  role: 'MEMBER',
  hubId: null,
  firmId: null,
  sessionId: 's1',
  tokenVersion: 0,
};

function planOf(query = QUERY, operationName: string | undefined = 'S') {
  const planner = new SubscriptionPlanner(sdl, apiSchema);
  return { planner, plan: planner.plan(query, parse(query), operationName) };
}

/** A hub subgraph answering `_entities` in memory, counting its fetches; `fail` makes it throw a raw error. */
function fakeHub(options: { fail?: boolean } = {}) {
  const calls: { representations: { id: string }[] }[] = [];
  const source: GraphQLDataSource = {
    async process({ request }) {
      const { representations } = request.variables as { representations: { id: string }[] };
      calls.push({ representations: representations.map((r) => ({ ...r })) });
      if (options.fail) throw new Error('request to http://10.0.0.3:4003/graphql failed, reason: connect ECONNREFUSED');
      return { data: { _entities: representations.map(({ id }) => ({ name: `Hub ${id}` })) } };
    },
  };
  return { source, calls };
}

function executorWith(hub: GraphQLDataSource) {
  const masked: unknown[] = [];
  const executor = new EventExecutor({
    dataSources: new Map([['hub', hub]]),
    limits: DEFAULT_LIMITS,
    formatError: createErrorFormatter((error) => masked.push(error)),
    logger: silentLogger,
  });
  return { executor, masked };
}

/** What the locker subgraph answers to the primary fetch (which keeps the client's aliases). */
const event = (hubId: string | null = 'h1') => ({
  data: { lockerUpdated: { name: 'Locker 1', place: hubId ? { __typename: 'Hub', id: hubId } : null } },
});

describe('planning (the pinned query planner)', () => {
  test('splits a subscription into the owning subgraph’s fetch and a per-event plan answered by the event', () => {
    const { plan } = planOf();
    assert.equal(plan.primary.serviceName, 'locker');
    assert.equal(plan.primary.operationKind, 'subscription');
    assert.deepEqual(plan.primary.variableUsages, ['id']);
    assert.match(plan.primary.operation, /^subscription S__locker__0\(\$id:ID!\)\{lockerUpdated\(lockerId:\$id\)/);
    assert.match(plan.primary.operation, /place:hub\{__typename id\}/, 'the client’s aliases are the subgraph’s');
    assert.equal(plan.hasRest, true);
    const root = plan.eventPlan.node!;
    assert.equal(root.kind, 'Sequence');
    const [first, rest] = (root as { nodes: { kind: string; serviceName?: string }[] }).nodes;
    assert.deepEqual([first!.kind, first!.serviceName, rest!.kind], ['Fetch', EVENT_SERVICE, 'Sequence']);
  });

  test('caches plans by (query text, operationName)', () => {
    const { planner, plan } = planOf();
    assert.equal(planner.plan(QUERY, parse(QUERY), 'S'), plan);
    const other = 'subscription { lockerUpdated(lockerId: "1") { name } }';
    const alone = planner.plan(other, parse(other), undefined);
    assert.notEqual(alone, plan);
    assert.equal(alone.hasRest, false);
    assert.equal(alone.eventPlan.node!.kind, 'Fetch');
  });

  test('validates the document as Apollo Server would (GRAPHQL_VALIDATION_FAILED)', () => {
    const { planner } = planOf();
    const bad = 'subscription { lockerUpdated(lockerId: "1") { nope } }';
    assert.throws(
      () => planner.plan(bad, parse(bad), undefined),
      (err: unknown) => err instanceof PlanningError && err.errors[0]!.extensions.code === 'GRAPHQL_VALIDATION_FAILED',
    );
  });
});

describe('an event through executeQueryPlan (the pinned gateway)', () => {
  test('is merged with the other subgraph’s entity fields and shaped like a query (aliases), one fetch', async () => {
    const hub = fakeHub();
    const { executor } = executorWith(hub.source);
    const { planner, plan } = planOf();
    const json = await executor.run(planner, plan, event(), { viewer, variables: { id: 'L1' } });
    assert.deepEqual(JSON.parse(json), { data: { lockerUpdated: { name: 'Locker 1', place: { name: 'Hub h1' } } } });
    assert.deepEqual(hub.calls, [{ representations: [{ __typename: 'Hub', id: 'h1' }] }]);
  });

  test('a failing subgraph gives partial data and a masked error; the raw message reaches only the log', async () => {
    const { executor, masked } = executorWith(fakeHub({ fail: true }).source);
    const { planner, plan } = planOf();
    const json = await executor.run(planner, plan, event(), { viewer, variables: { id: 'L1' } });
    const result = JSON.parse(json) as { data: unknown; errors: GraphQLFormattedError[] };
    assert.deepEqual(result.data, { lockerUpdated: { name: 'Locker 1', place: null } });
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]!.extensions!.code, 'INTERNAL_SERVER_ERROR');
    assert.equal(result.errors[0]!.message, 'Internal server error');
    assert.doesNotMatch(json, /ECONNREFUSED|10\.0\.0\.3/);
    assert.equal(masked.length, 1);
  });

  test('the owning subgraph’s own errors keep their code and name that subgraph; nothing is fetched for null', async () => {
    const hub = fakeHub();
    const { executor } = executorWith(hub.source);
    const { planner, plan } = planOf();
    const failed = {
      data: { lockerUpdated: { name: 'Locker 1', place: null } },
      errors: [{ message: 'Not yours', path: ['lockerUpdated', 'place'], extensions: { code: 'FORBIDDEN' } }],
    };
    const result = JSON.parse(await executor.run(planner, plan, failed, { viewer, variables: {} }));
    assert.deepEqual(result.data, { lockerUpdated: { name: 'Locker 1', place: null } });
    assert.equal(result.errors[0].extensions.code, 'FORBIDDEN');
    assert.equal(result.errors[0].extensions.serviceName, 'locker');
    assert.equal(hub.calls.length, 0);
  });
});

describe('fan-out', () => {
  function group(executor: EventExecutor) {
    const { planner, plan } = planOf();
    let closed = 0;
    const g = new FanoutGroup({
      key: 'k',
      planner,
      plan,
      scope: { viewer, variables: { id: 'L1' } },
      executor,
      logger: silentLogger,
      onClosed: () => closed++,
    });
    return { g, closed: () => closed };
  }

  test('a group runs each event once and hands every subscriber the same string', async () => {
    const hub = fakeHub();
    const { g } = group(executorWith(hub.source).executor);
    const a = new SubscriberStream();
    const b = new SubscriberStream();
    g.add(a);
    g.add(b);
    g.next(event('h1'));
    g.next(event('h2'));
    const [a1, b1, a2, b2] = [await a.next(), await b.next(), await a.next(), await b.next()];
    assert.equal(hub.calls.length, 2);
    assert.equal(g.executions, 2);
    assert.equal((a1.value as { json: string }).json, (b1.value as { json: string }).json);
    assert.equal((a2.value as { json: string }).json, (b2.value as { json: string }).json);
    assert.match((a2.value as { json: string }).json, /Hub h2/);
  });

  test('the last subscriber to leave closes the group at once, without waiting for an event', async () => {
    const { g, closed } = group(executorWith(fakeHub().source).executor);
    const a = new SubscriberStream();
    const b = new SubscriberStream();
    g.add(a);
    g.add(b);
    const waiting = a.next();
    await a.return();
    assert.deepEqual(await waiting, { value: undefined, done: true }, 'a pending read ends at once');
    assert.equal(closed(), 0);
    await b.return();
    assert.equal(closed(), 1);
  });

  test('an ended group ends its subscribers after the events already under way, with its errors', async () => {
    const { g } = group(executorWith(fakeHub().source).executor);
    const a = new SubscriberStream();
    g.add(a);
    g.next(event());
    const errors = [{ message: 'gone', extensions: { code: 'SUPERGRAPH_CHANGED' } }];
    g.end(errors);
    assert.equal((await a.next()).value!.kind, 'next');
    assert.deepEqual((await a.next()).value, { kind: 'end', errors });
    assert.equal((await a.next()).done, true);
  });
});

test('an auth scope is what subgraphs see: per user, role, hub and firm, whatever the session', () => {
  const same = authScope({ ...viewer, sessionId: 'another', tokenVersion: 3 });
  assert.equal(same.key, authScope(viewer).key);
  assert.deepEqual(same.viewer, { ...viewer, sessionId: null, tokenVersion: 0 });
  assert.notEqual(authScope({ ...viewer, userId: 'someone-else' }).key, same.key);
  assert.notEqual(authScope({ ...viewer, role: 'MASTER' }).key, same.key);
  assert.equal(authScope({ kind: 'anonymous' }).key, 'anonymous');
});
