/**
 * Observability through the whole platform (docs/architecture.md, "Observability"): a query through the gateway moves
 * the gateway's and the subgraphs' /metrics, and the caller's x-request-id comes back, reaches the subgraphs and is
 * on their log lines and the gateway's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../lib/logger/index.js';
import { dropTestDatabases, postGraphQL, realServicesConfig } from '../lib/testing/index.js';
import { metricSum, metricValue } from '../lib/testing/metrics.js';
import { startPlatform, type Platform } from '../tools/platform.js';

const config = realServicesConfig();
const lines: Record<string, unknown>[] = [];
let platform: Platform;
let token: string;
let gatewayBase: string;

const HUBS_WITH_FIRMS = 'query ObsHubsWithFirms { hubs { id name firms { id name } } }';

async function post(query: string, headers: Record<string, string> = {}) {
  const res = await fetch(platform.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return { res, body: (await res.json()) as { data?: any; errors?: unknown[] } };
}

async function scrape(base: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const subgraphBase = (name: keyof Platform['subgraphs']) => platform.subgraphs[name].url.replace(/\/graphql$/, '');

before(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  platform = await startPlatform({
    config,
    // Debug: one line per operation answered, in the gateway and in each subgraph.
    logger: createLogger('debug', 'platform', { destination }),
    ports: 'ephemeral',
    seed: true,
  });
  gatewayBase = platform.gatewayUrl.replace(/\/graphql$/, '');
  const signIn = await postGraphQL(
    platform.gatewayUrl,
    'mutation ObsSignIn { signIn(username: "master", password: "hubgraph-demo") { accessToken } }',
  );
  token = signIn.body.data!.signIn.accessToken;
});
after(async () => {
  await platform?.stop();
  await dropTestDatabases(config);
});

describe('metrics and request ids through the platform', () => {
  test('a query moves the gateway operation counter and fetch histogram, and the subgraphs’ counters', async () => {
    const gatewayBefore = (await scrape(gatewayBase)).text;
    const hubBefore = (await scrape(subgraphBase('hub'))).text;
    const fetchesBefore = (name: string) =>
      metricValue(gatewayBefore, 'hubgraph_gateway_subgraph_fetch_duration_seconds_count', {
        subgraph: name,
        outcome: 'success',
      }) ?? 0;

    const { res, body } = await post(HUBS_WITH_FIRMS);
    assert.equal(res.status, 200);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data.hubs.length, 17);

    const gateway = await scrape(gatewayBase);
    assert.equal(gateway.status, 200);
    assert.match(gateway.type ?? '', /^text\/plain/);
    const ops = { service: 'gateway', operation: 'ObsHubsWithFirms', type: 'query', outcome: 'success' };
    assert.equal(metricValue(gateway.text, 'hubgraph_graphql_operations_total', ops), 1);
    assert.equal(
      metricValue(gateway.text, 'hubgraph_graphql_operation_duration_seconds_count', {
        operation: 'ObsHubsWithFirms',
        type: 'query',
      }),
      1,
    );
    // The plan fetched from hub, then from order: one more fetch of each, timed.
    for (const subgraph of ['hub', 'order']) {
      const after = metricValue(gateway.text, 'hubgraph_gateway_subgraph_fetch_duration_seconds_count', {
        subgraph,
        outcome: 'success',
      });
      assert.equal(after, fetchesBefore(subgraph) + 1, subgraph);
    }
    assert.ok(metricValue(gateway.text, 'process_cpu_user_seconds_total')! > 0, 'process metrics');

    const hub = (await scrape(subgraphBase('hub'))).text;
    const hubOps = (text: string) =>
      metricSum(text, 'hubgraph_graphql_operations_total', { service: 'hub', type: 'query', outcome: 'success' });
    assert.equal(hubOps(hub), hubOps(hubBefore) + 1);
    // The request's SQL statements were counted in its scope (a constant few: DataLoaders keep reads flat).
    const sqlCount = (text: string) => metricSum(text, 'hubgraph_subgraph_sql_statements_per_request_count');
    const sqlSum = (text: string) => metricSum(text, 'hubgraph_subgraph_sql_statements_per_request_sum');
    assert.equal(sqlCount(hub), sqlCount(hubBefore) + 1);
    assert.ok(sqlSum(hub) - sqlSum(hubBefore) >= 1, 'hubs were read with SQL');
    // The hub subgraph has an outbox: its lag is read at scrape time.
    assert.notEqual(metricValue(hub, 'hubgraph_outbox_lag_seconds', { service: 'hub' }), undefined);
  });

  test('an error is counted under its code, and anonymous operations as "anonymous"', async () => {
    const anonymous = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ hubs { id } }' }),
    });
    assert.equal(anonymous.status, 401);
    const text = (await scrape(gatewayBase)).text;
    assert.equal(
      metricValue(text, 'hubgraph_graphql_operations_total', { operation: 'anonymous', outcome: 'UNAUTHENTICATED' }),
      1,
    );
  });

  test('the caller’s x-request-id comes back, reaches every subgraph of the plan, and is on their log lines', async () => {
    const requestId = `e2e-obs-${Date.now()}`;
    const { res, body } = await post(HUBS_WITH_FIRMS, { 'x-request-id': requestId });
    assert.equal(body.errors, undefined);
    assert.equal(res.headers.get('x-request-id'), requestId);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const mine = lines.filter((l) => l.requestId === requestId);
    const gatewayLine = mine.find((l) => l.service === 'gateway' && l.msg === 'graphql operation answered');
    assert.ok(gatewayLine, 'a gateway line carries the request id');
    assert.equal(gatewayLine.operationName, 'ObsHubsWithFirms');
    const subgraphs = new Set(mine.filter((l) => l.msg === 'graphql operation answered').map((l) => l.subgraph));
    assert.deepEqual([...subgraphs].filter(Boolean).sort(), ['hub', 'order']);
    // Lines of other requests, and of background work, do not carry it.
    assert.ok(lines.some((l) => l.msg === 'graphql operation answered' && l.requestId !== requestId));
  });

  test('an unacceptable x-request-id is replaced by a fresh one, which the subgraphs get too', async () => {
    const { res } = await post(HUBS_WITH_FIRMS, { 'x-request-id': 'has spaces in it' });
    const id = res.headers.get('x-request-id');
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(lines.some((l) => l.requestId === id && l.subgraph === 'hub'));
    assert.ok(!lines.some((l) => l.requestId === 'has spaces in it'));
  });

  test('/metrics answers local clients only: a request forwarded by a proxy gets 404', async () => {
    assert.equal((await scrape(gatewayBase, { 'x-forwarded-for': '203.0.113.9' })).status, 404);
    assert.equal((await scrape(subgraphBase('order'), { forwarded: 'for=203.0.113.9' })).status, 404);
    assert.equal((await scrape(subgraphBase('order'))).status, 200);
  });
});
