/**
 * The gateway on a foreign supergraph (SUPERGRAPH_PATH's mode, createGateway with subgraphUrls: 'supergraph'): two
 * tiny @apollo/subgraph servers named neither like nor after Hubgraph's five, reached at the URLs the composed
 * supergraph names, with passports whose audience is each subgraph's name. Also the upstream fetcher's dedup:
 * identical query fetches in flight go to the subgraph once, and a mutation never joins another.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { gql } from 'graphql-tag';
import { PASSPORT_HEADER, verifyPassport } from '../../lib/auth/tokens.js';
import { loadConfig } from '../../lib/config/index.js';
import { createInfra, type Infra } from '../../lib/infra/index.js';
import { listen, type Listening } from '../../lib/http/index.js';
import { silentLogger } from '../../lib/testing/index.js';
import { createGateway, type GatewayServer } from '../src/server.js';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
const config = loadConfig({ RATE_LIMITS: 'off' });
const seen: { subgraph: string; audience: string | null }[] = [];
let slowShelves = 0;

const shelves = {
  name: 'shelves',
  typeDefs: gql`
    ${FEDERATION}
    type Query {
      shelves: [Shelf!]!
    }
    type Mutation {
      touch: Int!
    }
    type Shelf @key(fields: "id") {
      id: ID!
      label: String!
      book: Book!
    }
    type Book @key(fields: "isbn", resolvable: false) {
      isbn: ID!
    }
  `,
  resolvers: {
    Query: {
      shelves: async () => {
        await new Promise((resolve) => setTimeout(resolve, slowShelves));
        return [1, 2, 3].map((i) => ({ id: `s${i}`, label: `Shelf ${i}`, book: { isbn: `b${i}` } }));
      },
    },
    Mutation: { touch: () => 1 },
  },
};
const books = {
  name: 'books',
  typeDefs: gql`
    ${FEDERATION}
    type Query {
      book(isbn: ID!): Book
    }
    type Book @key(fields: "isbn") {
      isbn: ID!
      title: String!
    }
  `,
  resolvers: {
    Book: { __resolveReference: (ref: { isbn: string }) => ({ isbn: ref.isbn, title: `Title of ${ref.isbn}` }) },
  },
};

const servers: ApolloServer[] = [];
let infra: Infra;
let gateway: GatewayServer;
let listening: Listening;

async function startSubgraph(def: typeof shelves | typeof books): Promise<string> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: def.typeDefs, resolvers: def.resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  servers.push(server);
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      const token = req.headers[PASSPORT_HEADER] as string | undefined;
      // The passport must be meant for this subgraph, by name.
      const audience = await verifyPassport(token, def.name, config.auth.passportSecret).then(
        () => def.name,
        () => null,
      );
      seen.push({ subgraph: def.name, audience });
      return {};
    },
  });
  return url;
}

const query = async (document: string) => {
  const res = await fetch(`${listening.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: document }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
};

before(async () => {
  const urls = { shelves: await startSubgraph(shelves), books: await startSubgraph(books) };
  const composed = composeServices([
    { name: 'shelves', url: urls.shelves, typeDefs: shelves.typeDefs },
    { name: 'books', url: urls.books, typeDefs: books.typeDefs },
  ]);
  assert.equal(composed.errors, undefined);
  infra = await createInfra(config, {});
  gateway = await createGateway({
    config,
    supergraphSdl: composed.supergraphSdl!,
    subgraphUrls: 'supergraph',
    kv: infra.kv,
    logger: silentLogger,
  });
  listening = await listen(gateway.app, 0);
});

after(async () => {
  await listening?.close();
  await gateway?.stop();
  await infra?.close();
  await Promise.all(servers.map((s) => s.stop()));
});

test('answers a federated query at the subgraph URLs the supergraph names, passports addressed by name', async () => {
  seen.length = 0;
  const res = await query('{ shelves { id label book { isbn title } } }');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    data: {
      shelves: [1, 2, 3].map((i) => ({
        id: `s${i}`,
        label: `Shelf ${i}`,
        book: { isbn: `b${i}`, title: `Title of b${i}` },
      })),
    },
  });
  assert.deepEqual(seen.map((s) => [s.subgraph, s.audience]).sort(), [
    ['books', 'books'],
    ['shelves', 'shelves'],
  ]);
});

test('identical query fetches in flight reach the subgraph once; mutations are never joined', async () => {
  slowShelves = 100;
  try {
    seen.length = 0;
    const answers = await Promise.all(Array.from({ length: 5 }, () => query('{ shelves { id book { title } } }')));
    for (const a of answers) assert.equal(a.body.data.shelves[2].book.title, 'Title of b3');
    assert.equal(seen.filter((s) => s.subgraph === 'shelves').length, 1);
    assert.equal(seen.filter((s) => s.subgraph === 'books').length, 1);

    seen.length = 0;
    await Promise.all(Array.from({ length: 3 }, () => query('mutation { touch }')));
    assert.equal(seen.filter((s) => s.subgraph === 'shelves').length, 3);
  } finally {
    slowShelves = 0;
  }
});
