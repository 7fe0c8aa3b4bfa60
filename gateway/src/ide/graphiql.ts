/**
 * The offline IDE: GraphiQL from node_modules, served by the gateway itself, so it works with no internet at all.
 * Only the four vendor files the page loads are reachable; nothing else in node_modules is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';
import {
  BROWSER_ENDPOINT_JS,
  escapeHtml,
  newNonce,
  PAGE_CSS,
  resolveIdeOptions,
  scriptJson,
  type IdeOptions,
  type ResolvedIdeOptions,
} from './options.js';

const require = createRequire(import.meta.url);

/**
 * GraphiQL's UMD build expects the globals React and ReactDOM (React 18 for createRoot) and bundles everything else
 * it runs (CodeMirror, graphql, graphql-ws); its CSS inlines its fonts as data: URIs.
 */
const VENDOR_FILES = [
  { pkg: 'react', file: 'umd/react.production.min.js' },
  { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' },
  { pkg: 'graphiql', file: 'graphiql.min.js' },
  { pkg: 'graphiql', file: 'graphiql.min.css' },
] as const;

interface Asset {
  /** Its URL name: the content hash makes it safe to cache forever, and a package update changes it. */
  name: string;
  type: string;
  body: Buffer;
  etag: string;
}

function loadAssets(): Asset[] {
  return VENDOR_FILES.map(({ pkg, file }) => {
    // graphiql's "exports" hide its root files from require.resolve; every package here exports its package.json.
    const body = readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const ext = path.extname(file);
    return {
      name: `${path.basename(file, ext)}.${hash}${ext}`,
      type: ext === '.css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      body,
      etag: `"${hash}"`,
    };
  });
}

/** Headers-editor keys that start with // are comments: GraphiQL accepts only JSON there, and they are never sent. */
const DEFAULT_HEADERS = JSON.stringify({ '// Authorization': 'Bearer <accessToken from signIn>' }, null, 2);

/**
 * Only this origin, plus the per-response nonce for the page's own inline script and style. GraphiQL needs no eval
 * and no 'unsafe-inline': React and CodeMirror set styles through the CSSOM, which CSP does not govern; the one
 * <style> element it injects (scroll lock of its dialogs) carries the nonce via __webpack_nonce__. connect-src 'self'
 * also covers ws:/wss: on the same host (CSP Level 3).
 */
const graphiqlCsp = (nonce: string) =>
  [
    `default-src 'none'`,
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    `font-src data:`,
    `img-src 'self' data:`,
    `connect-src 'self'`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
  ].join('; ');

/** The page; `assetUrls` are the vendor files' URLs, stylesheets and scripts in load order. */
function graphiqlPageHtml(options: ResolvedIdeOptions, assetUrls: string[], nonce: string) {
  const config = {
    graphqlPath: options.graphqlPath,
    subscriptionPath: options.subscriptionPath,
    defaultQuery: options.defaultQuery,
    defaultHeaders: DEFAULT_HEADERS,
  };
  const tags = (ext: string, tag: (url: string) => string) =>
    assetUrls
      .filter((url) => url.endsWith(ext))
      .map((url) => tag(escapeHtml(url)))
      .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Hubgraph · GraphiQL</title>
<link rel="icon" href="data:,">
${tags('.css', (url) => `<link rel="stylesheet" href="${url}">`)}
<style nonce="${nonce}">
  ${PAGE_CSS}
</style>
</head>
<body>
<div class="ide-bar">
  <span id="ide-notice">GraphiQL, served by the gateway: works offline.</span>
  <a href="${escapeHtml(options.graphqlPath)}">Apollo Sandbox (needs internet)</a>
</div>
<div id="graphiql" class="ide">Loading GraphiQL…</div>
${tags('.js', (url) => `<script src="${url}"></script>`)}
<script nonce="${nonce}">
(() => {
  const config = ${scriptJson(config)};
  ${BROWSER_ENDPOINT_JS}
  // react-style-singleton (scroll lock of GraphiQL's dialogs) puts webpack's nonce global on the <style> it injects.
  window.__webpack_nonce__ = document.currentScript.nonce;
  if (new URLSearchParams(location.search).get('from') === 'sandbox') {
    document.getElementById('ide-notice').textContent =
      "Apollo Sandbox could not load from Apollo's CDN, so this is the offline IDE (GraphiQL).";
  }
  const send = GraphiQL.createFetcher({
    url: endpoint(config.graphqlPath),
    ...(config.subscriptionPath ? { subscriptionUrl: endpoint(config.subscriptionPath, true) } : {}),
  });
  const withoutComments = (headers) => Object.fromEntries(Object.entries(headers).filter(([key]) => !key.startsWith('//')));
  const fetcher = (params, opts) => send(params, opts && opts.headers ? { ...opts, headers: withoutComments(opts.headers) } : opts);
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: config.defaultQuery,
      defaultHeaders: config.defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
</script>
</body>
</html>
`;
}

/**
 * Express router for the offline IDE: the GraphiQL page at `graphiqlPath` and its vendor files under
 * `graphiqlPath/assets/`. Mount it at the app's root (it carries its own paths). With `enabled: false` it is empty.
 */
export function ideRouter(options: IdeOptions): Router {
  const resolved = resolveIdeOptions(options);
  const router = express.Router();
  if (!resolved.enabled) return router;

  const assets = new Map(loadAssets().map((a) => [a.name, a]));
  const assetsPath = `${resolved.graphiqlPath}/assets`;
  const assetUrls = [...assets.keys()].map((name) => `${assetsPath}/${name}`);

  router.get(resolved.graphiqlPath, (_req, res) => {
    const nonce = newNonce();
    res
      .set({
        'Content-Security-Policy': graphiqlCsp(nonce),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      })
      .type('html')
      .send(graphiqlPageHtml(resolved, assetUrls, nonce));
  });
  router.get(`${assetsPath}/:name`, (req, res, next) => {
    // A name is only ever looked up, never joined to a path, so no encoding trick reaches another file.
    const asset = assets.get(req.params.name);
    if (!asset) return next();
    // res.send answers 304 itself when the ETag matches.
    res
      .set({
        'Content-Type': asset.type,
        'Cache-Control': 'public, max-age=31536000, immutable',
        ETag: asset.etag,
        'X-Content-Type-Options': 'nosniff',
      })
      .send(asset.body);
  });
  router.use(assetsPath, (_req, res) => {
    res.status(404).type('text').send('Not found');
  });
  return router;
}
