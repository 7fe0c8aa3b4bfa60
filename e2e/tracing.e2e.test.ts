/**
 * OpenTelemetry through the whole platform (lib/tracing): with an OTLP endpoint set, one query is one trace, from
 * the caller's `traceparent` through the gateway's SERVER span and its CLIENT fetch spans into each subgraph's
 * SERVER span. The collector is a small OTLP/HTTP server on 127.0.0.1 that keeps what it is sent (JSON).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../lib/logger/index.js';
import { dropTestDatabases, postGraphQL, realServicesConfig } from '../lib/testing/index.js';
import { startTracing, type Tracing } from '../lib/tracing/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface OtlpExport {
  resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

const SERVER = 2;
const CLIENT = 3;
const spans: (OtlpSpan & { scope: string })[] = [];
const collector = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport;
    for (const rs of body.resourceSpans)
      for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, scope: ss.scope.name });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const config = realServicesConfig();
let platform: Platform;
let tracing: Tracing;

before(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  tracing = startTracing(`http://127.0.0.1:${port}`, 'hubgraph-test');
  platform = await startPlatform({
    config,
    logger: createLogger('silent', 'platform'),
    ports: 'ephemeral',
    seed: true,
  });
});
after(async () => {
  await platform?.stop();
  await tracing?.shutdown();
  collector.close();
  await dropTestDatabases(config);
});

test('one query is one trace: caller → gateway → each subgraph asked, parent to child', async () => {
  const signIn = await postGraphQL(
    platform.gatewayUrl,
    'mutation { signIn(username: "master", password: "hubgraph-demo") { accessToken } }',
  );
  const token = signIn.body.data!.signIn.accessToken as string;
  const traceId = randomBytes(16).toString('hex');
  const callerSpan = randomBytes(8).toString('hex');
  const res = await fetch(platform.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      traceparent: `00-${traceId}-${callerSpan}-01`,
    },
    body: JSON.stringify({ query: '{ hubs { id firms { id } } }' }),
  });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { errors?: unknown }).errors, undefined);
  await tracing.shutdown(); // flushes what is buffered

  const trace = spans.filter((s) => s.traceId === traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const gatewayServer = trace.find((s) => s.scope === 'gateway' && s.kind === SERVER);
  assert.ok(gatewayServer, `a gateway SERVER span in the caller's trace: ${trace.map((s) => s.name).join(', ')}`);
  assert.equal(gatewayServer.parentSpanId, callerSpan, 'it continues the caller’s span');

  for (const subgraph of ['hub', 'order']) {
    const server = trace.find((s) => s.scope === subgraph && s.kind === SERVER);
    assert.ok(server, `${subgraph} answered inside the trace: ${trace.map((s) => `${s.scope}:${s.name}`).join(', ')}`);
    const fetch = byId.get(server.parentSpanId ?? '');
    assert.equal(fetch?.kind, CLIENT, `${subgraph}'s span is the child of a gateway fetch`);
    assert.equal(fetch?.name, `fetch ${subgraph}`);
    // Up the chain from the fetch (through @apollo/gateway's own spans) to the gateway's SERVER span.
    let up: OtlpSpan | undefined = fetch;
    while (up && up !== gatewayServer) up = byId.get(up.parentSpanId ?? '');
    assert.equal(up, gatewayServer, `the ${subgraph} fetch descends from the gateway's request`);
  }
});
