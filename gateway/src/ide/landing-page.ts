/**
 * The landing page on GET /graphql (browsers): Apollo Sandbox as before, but Sandbox only exists on Apollo's CDN, so
 * when its script cannot load (offline, blocked, or silent for too long) the page switches to the offline IDE.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { DEFAULT_EMBEDDED_SANDBOX_VERSION } from '@apollo/server/plugin/landingPage/default';
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

const SANDBOX_CDN = 'https://embeddable-sandbox.cdn.apollographql.com';
/** The Sandbox version Apollo Server's own landing page embeds, so updating @apollo/server updates both. */
const SANDBOX_SCRIPT = `${SANDBOX_CDN}/${DEFAULT_EMBEDDED_SANDBOX_VERSION}/embeddable-sandbox.umd.production.min.js`;

/** Same embed settings as ApolloServerPluginLandingPageLocalDefault({ embed: true }), with cookies off explicitly. */
const SANDBOX_EMBED = {
  target: '#embeddableSandbox',
  initialState: { includeCookies: false },
  hideCookieToggle: false,
  endpointIsEditable: false,
  runTelemetry: true,
  // Sizing comes from this page's stylesheet; dynamic styles would need style-src 'unsafe-inline'.
  allowDynamicStyles: false,
};

/**
 * Apollo Server's default CSP for its Sandbox page, narrowed to what Sandbox itself loads. The gateway cannot add
 * response headers to a landing page, hence the <meta> form (as Apollo does).
 */
const sandboxCsp = (nonce: string) =>
  [
    `script-src 'self' 'nonce-${nonce}' ${SANDBOX_CDN}`,
    `style-src 'nonce-${nonce}' ${SANDBOX_CDN} https://fonts.googleapis.com`,
    `frame-src https://sandbox.embed.apollographql.com`,
    `base-uri 'none'`,
  ].join('; ');

/** The landing page, rendered per response for its nonce. */
function sandboxPageHtml(options: ResolvedIdeOptions, nonce: string): string {
  const config = {
    sandboxScript: SANDBOX_SCRIPT,
    embed: SANDBOX_EMBED,
    graphqlPath: options.graphqlPath,
    subscriptionPath: options.subscriptionPath,
    graphiqlUrl: `${options.graphiqlPath}?from=sandbox`,
    timeoutMs: options.sandboxTimeoutMs,
  };
  const graphiql = escapeHtml(options.graphiqlPath);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${sandboxCsp(nonce)}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Hubgraph · Apollo Sandbox</title>
<style nonce="${nonce}">
  ${PAGE_CSS}
  #embeddableSandbox iframe { width: 100%; height: 100%; border: none; background: white; }
</style>
</head>
<body>
<div class="ide-bar">
  <span id="ide-status">Loading Apollo Sandbox from Apollo's CDN (it needs internet)…</span>
  <a id="offline-ide" href="${graphiql}">Offline IDE (GraphiQL)</a>
</div>
<div id="embeddableSandbox" class="ide"></div>
<script nonce="${nonce}">
(() => {
  const config = ${scriptJson(config)};
  ${BROWSER_ENDPOINT_JS}
  const status = document.getElementById('ide-status');
  let settled = false;
  const fallBack = (why) => {
    if (settled) return;
    settled = true;
    status.textContent = 'Apollo Sandbox could not load (' + why + '); opening the offline IDE…';
    location.replace(config.graphiqlUrl);
  };
  const timer = setTimeout(() => fallBack('no answer from its CDN in ' + config.timeoutMs / 1000 + ' s'), config.timeoutMs);
  const script = document.createElement('script');
  script.src = config.sandboxScript;
  script.nonce = document.currentScript.nonce;
  script.onerror = () => fallBack('its CDN is unreachable');
  script.onload = () => {
    if (settled) return;
    // A proxy or captive portal can answer with something that is not Sandbox.
    if (typeof window.EmbeddedSandbox !== 'function') return fallBack('its script did not start');
    settled = true;
    clearTimeout(timer);
    status.textContent = "Apollo Sandbox, loaded from Apollo's CDN.";
    new window.EmbeddedSandbox({
      ...config.embed,
      initialEndpoint: endpoint(config.graphqlPath),
      ...(config.subscriptionPath ? { initialSubscriptionEndpoint: endpoint(config.subscriptionPath, true) } : {}),
    });
  };
  document.head.appendChild(script);
})();
</script>
</body>
</html>
`;
}

/**
 * Apollo Server plugin for the landing page on GET /graphql: Apollo Sandbox with an automatic fallback to the offline
 * IDE and a link to it either way. With `enabled: false` it disables the landing page, so that Apollo Server does not
 * install its own CDN page implicitly.
 */
export function ideLandingPage(options: IdeOptions): ApolloServerPlugin {
  const resolved = resolveIdeOptions(options);
  if (!resolved.enabled) return ApolloServerPluginLandingPageDisabled();
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: async () => sandboxPageHtml(resolved, newNonce()) };
        },
      };
    },
  };
}
