/**
 * One benchmark subgraph as its own process: `node --import tsx bench/gateway/subgraph.ts <name>`. Listens on a
 * free port of 127.0.0.1 and prints `{"port":N}` on stdout.
 *
 * A bare node:http server over @apollo/subgraph's schema and graphql-js's execute, with each distinct document
 * parsed and validated once: the subgraphs share the machine's two cores with the gateway being measured, so the
 * less they spend, the more the figures say about the gateway. Every gateway meets the same subgraphs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, validate, type DocumentNode } from 'graphql';
import { gql } from 'graphql-tag';
import { BENCH_SUBGRAPHS, SUBGRAPH_RESOLVERS, SUBGRAPH_SDL, type BenchSubgraph } from './subgraphs.js';

const name = process.argv[2] as BenchSubgraph;
if (!BENCH_SUBGRAPHS.includes(name)) throw new Error(`usage: subgraph.ts <${BENCH_SUBGRAPHS.join('|')}>`);
const schema = buildSubgraphSchema({ typeDefs: gql(SUBGRAPH_SDL[name]), resolvers: SUBGRAPH_RESOLVERS[name] });
const documents = new Map<string, DocumentNode | readonly Error[]>();
let requests = 0;

function documentOf(query: string): DocumentNode | readonly Error[] {
  let document = documents.get(query);
  if (!document) {
    const parsed = parse(query);
    const errors = validate(schema, parsed);
    document = errors.length ? errors : parsed;
    if (documents.size < 1000) documents.set(query, document);
  }
  return document;
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(req.url === '/requests' ? 200 : 404).end(String(requests));
    return;
  }
  requests++;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => void answer(Buffer.concat(chunks), res));
});

async function answer(raw: Buffer, res: http.ServerResponse) {
  try {
    const { query, variables, operationName } = JSON.parse(raw.toString('utf8'));
    const document = documentOf(query);
    const result = Array.isArray(document)
      ? { errors: document.map((e) => ({ message: e.message })) }
      : await execute({ schema, document: document as DocumentNode, variableValues: variables, operationName });
    const body = JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch (error) {
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ errors: [{ message: String(error) }] }));
  }
}

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => process.exit(0));
