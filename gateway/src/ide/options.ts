/** What both IDE pages share: their options and the helpers that put values into inline HTML safely. */
import { randomBytes } from 'node:crypto';

/** Where the browser IDEs live and how they reach the gateway. Paths are absolute on the gateway's origin. */
export interface IdeOptions {
  /** Serve the IDEs at all. The caller decides (false in production): then no landing page and no /graphiql. */
  enabled: boolean;
  /** The gateway's GraphQL endpoint over HTTP; both IDEs send operations here. Default `/graphql`. */
  graphqlPath?: string;
  /**
   * The graphql-ws endpoint, reached over ws: or wss: like the page itself. Default: the GraphQL path (the gateway
   * serves graphql-ws on /graphql: docs/architecture.md §2). `false` leaves both IDEs without a subscription endpoint.
   */
  subscriptionPath?: string | false;
  /** Where the offline IDE (GraphiQL) and its assets are served. Default `/graphiql`. */
  graphiqlPath?: string;
  /** How long the landing page waits for Sandbox's script before it switches to the offline IDE. Default 8000 ms. */
  sandboxTimeoutMs?: number;
  /** The offline IDE's first query (GraphiQL keeps the user's own tabs after the first visit). */
  defaultQuery?: string;
}

export type ResolvedIdeOptions = Required<IdeOptions>;

/** The offline IDE's first query: how to sign in and use the token, on the demo data `npm start` seeds. */
export const DEFAULT_QUERY = `# Hubgraph's offline IDE: GraphiQL, served by the gateway.
#
# 1. Run SignIn. The demo users (master, hub_manager,
#    member, ...) share the password hubgraph-demo.
# 2. In Headers below, delete the "// " in front of
#    Authorization and paste the accessToken.
# 3. Run Me: the signed-in user (null when anonymous).

mutation SignIn {
  signIn(username: "member", password: "hubgraph-demo") {
    accessToken
    refreshToken
  }
}

query Me {
  me {
    id
    username
    role
  }
}
`;

export function resolveIdeOptions(options: IdeOptions): ResolvedIdeOptions {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  return {
    enabled: options.enabled,
    graphqlPath,
    subscriptionPath: options.subscriptionPath ?? graphqlPath,
    graphiqlPath: (options.graphiqlPath ?? '/graphiql').replace(/\/+$/, ''),
    sandboxTimeoutMs: options.sandboxTimeoutMs ?? 8000,
    defaultQuery: options.defaultQuery ?? DEFAULT_QUERY,
  };
}

/** A fresh CSP nonce per response: inline scripts and styles run only with it. */
export const newNonce = () => randomBytes(18).toString('base64');

/** JSON that is safe inside an inline <script>: nothing in it can close the element or open a comment. */
export const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Text or attribute value that is safe anywhere in HTML. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Both pages: a slim bar (status and the link to the other IDE) above an IDE that fills the rest of the window. */
export const PAGE_CSS = `html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; }
  .ide-bar { flex: none; padding: 4px 12px; font: 13px/1.5 system-ui, sans-serif; color: #333; background: #f4f5f7;
    border-bottom: 1px solid #d9dce1; }
  .ide { flex: 1; min-height: 0; }`;

/**
 * Browser-side: the absolute URL of a path on this page's origin, ws:/wss: when `ws` is set. Inlined into both
 * pages' scripts so that they compute endpoints the same way.
 */
export const BROWSER_ENDPOINT_JS = `const endpoint = (path, ws) => {
    const url = new URL(path, location.href);
    if (ws) url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  };`;
