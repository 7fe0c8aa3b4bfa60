/**
 * The gateway's browser IDEs on a tiny Apollo Server (trivial schema) on 127.0.0.1: the Sandbox landing page with
 * its offline fallback, and GraphiQL with exactly its four vendor files from node_modules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { listen } from '../../lib/http/index.js';
import { ideLandingPage, ideRouter, type IdeOptions } from '../src/ide/index.js';

async function startServer(ide: IdeOptions) {
  const apollo = new ApolloServer({
    typeDefs: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'world' } },
    csrfPrevention: true,
    plugins: [ideLandingPage(ide)],
  });
  await apollo.start();
  const app = express();
  app.use(ideRouter(ide));
  app.use('/graphql', express.json(), expressMiddleware(apollo));
  const listening = await listen(app, 0);
  return {
    url: listening.url,
    async stop() {
      await listening.close();
      await apollo.stop();
    },
  };
}

const getHtml = (url: string) => fetch(url, { headers: { accept: 'text/html' } });

/**
 * A request exactly as given: fetch() would normalise `..` segments away, and it adds `cache-control: no-cache` to
 * conditional requests.
 */
function rawGet(listening: { url: string }, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${listening.url}${path}`, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('IDEs in development', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer({ enabled: true });
  });
  after(() => server.stop());

  test('GET /graphql from a browser embeds Apollo Sandbox, falls back to the offline IDE and links to it', async () => {
    const res = await getHtml(`${server.url}/graphql`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(
      html,
      /https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\/v\d+\/embeddable-sandbox\.umd\.production\.min\.js/,
    );
    assert.match(html, /new window\.EmbeddedSandbox\(/);
    assert.match(html, /"includeCookies":false/);
    assert.match(html, /"graphqlPath":"\/graphql"/);
    assert.match(html, /initialSubscriptionEndpoint: endpoint\(config\.subscriptionPath, true\)/);
    // The fallback: on a script error or a timeout, replace this page with the offline IDE.
    assert.match(html, /script\.onerror = /);
    assert.match(html, /setTimeout\(/);
    assert.match(html, /location\.replace\(config\.graphiqlUrl\)/);
    assert.match(html, /"graphiqlUrl":"\/graphiql\?from=sandbox"/);
    assert.match(html, /<a id="offline-ide" href="\/graphiql">/);

    // Inline code runs under a nonce that is new on every response.
    const nonce = /'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce);
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.notEqual(/'nonce-([^']+)'/.exec(await (await getHtml(`${server.url}/graphql`)).text())?.[1], nonce);
  });

  test('operations still reach Apollo Server', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename hello }' }),
    });
    assert.deepEqual(await res.json(), { data: { __typename: 'Query', hello: 'world' } });
  });

  test('GET /graphiql is a self-contained GraphiQL page under a same-origin CSP', async () => {
    const res = await getHtml(`${server.url}/graphiql`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.doesNotMatch(html, /https?:\/\//);
    assert.match(html, /GraphiQL\.createFetcher\(/);
    assert.match(
      html,
      /"defaultHeaders":"\{\\n {2}\\"\/\/ Authorization\\": \\"Bearer \\u003caccessToken from signIn\\u003e\\"\\n\}"/,
    );
    assert.match(html, /signIn\(username: /);

    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, new RegExp(`script-src 'self' 'nonce-${nonce.replace(/[+/]/g, '\\$&')}'(;|$)`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    // Every inline script carries the nonce; the rest are the vendor files.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!.trim());
    assert.deepEqual(
      scripts.filter((a) => !a.startsWith('src=')),
      [`nonce="${nonce}"`],
    );
  });

  test('each vendor file is served with its type and a long cache lifetime; nothing else is', async () => {
    const html = await (await getHtml(`${server.url}/graphiql`)).text();
    const urls = [...html.matchAll(/(?:src|href)="(\/graphiql\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(
      urls.map((u) => u.replace(/\.[0-9a-f]{16}\./, '.')),
      [
        '/graphiql/assets/graphiql.min.css',
        '/graphiql/assets/react.production.min.js',
        '/graphiql/assets/react-dom.production.min.js',
        '/graphiql/assets/graphiql.min.js',
      ],
    );
    for (const url of urls) {
      const res = await fetch(`${server.url}${url}`);
      assert.equal(res.status, 200, url);
      assert.equal(
        res.headers.get('content-type'),
        url.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      );
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok((await res.arrayBuffer()).byteLength > 1000, url);
      assert.equal(await rawGet(server, url, { 'if-none-match': res.headers.get('etag')! }), 304, url);
    }

    for (const path of [
      '/graphiql/assets/',
      '/graphiql/assets/nope.js',
      '/graphiql/assets/graphiql.min.js',
      '/graphiql/assets/package.json',
      '/graphiql/assets/..%2Fpackage.json',
      '/graphiql/assets/..%2F..%2Fpackage.json',
      '/graphiql/assets/..%2f..%2f..%2fpackage.json',
      '/graphiql/assets/%2e%2e%2f%2e%2e%2fgraphiql%2fpackage.json',
      '/graphiql/assets/..%5C..%5Cpackage.json',
      '/graphiql/assets/react/umd/react.production.min.js',
      `${urls[3]}/x`,
    ]) {
      assert.equal((await fetch(`${server.url}${path}`)).status, 404, path);
    }
    assert.equal(await rawGet(server, '/graphiql/assets/../../package.json'), 404);
    assert.equal(await rawGet(server, '/graphiql/assets/../../../node_modules/graphiql/package.json'), 404);
  });
});

describe('IDEs in production', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer({ enabled: false });
  });
  after(() => server.stop());

  test("no landing page (not even Apollo's default) and no /graphiql", async () => {
    const landing = await getHtml(`${server.url}/graphql`);
    assert.notEqual(landing.status, 200);
    assert.doesNotMatch(await landing.text(), /Sandbox|<html/i);
    assert.equal((await getHtml(`${server.url}/graphiql`)).status, 404);
  });
});
