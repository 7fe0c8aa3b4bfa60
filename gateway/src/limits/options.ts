/**
 * The gateway's demand-control limits, in one place. They are passed in (lib/config owns reading them);
 * `Infinity` switches a limit off.
 *
 * The defaults leave every operation the repo sends several times its need (ALL_FIVE_QUERY: depth 5, no
 * aliases, 1 root field, cost 8,530) and refuse the attacks the security probe used: 50 levels of
 * `neighbors` (depth 52), 1,000 aliases of ALL_FIVE_QUERY (43,002 tokens), 8 levels of `neighbors`
 * (depth 10, cost 2.2 billion).
 */
export interface GatewayLimits {
  /**
   * Lexical tokens a document may hold; parsing stops beyond them (TOO_MANY_TOKENS). The same cap bounds the
   * comments, which the lexer keeps but does not count as tokens. ALL_FIVE_QUERY holds 45 tokens, the standard
   * introspection query 183; a parse stopped at 15,000 took 4–30 ms on these machines.
   * @default 15000
   */
  maxTokens: number;
  /**
   * Nesting of fields in any operation of the document, fragments expanded; `{ hubs { name } }` is 2
   * (QUERY_TOO_DEEP). Introspection (`__schema`, `__type`) counts as one level: graphql-js's
   * MaxIntrospectionDepthRule, which every executor validates with, bounds it instead.
   * @default 10
   */
  maxDepth: number;
  /** Aliases in any operation of the document, fragments expanded (TOO_MANY_ALIASES). @default 30 */
  maxAliases: number;
  /** Fields at the root of any operation of the document, fragments expanded (TOO_MANY_ROOT_FIELDS). @default 20 */
  maxRootFields: number;
  /**
   * Estimated cost of the operation that runs (QUERY_TOO_COMPLEX): every field costs 1, and a list field
   * multiplies its own cost and its children's by `listSize` (or by its `first` / `last` / `limit` argument),
   * so recursion through lists, like `neighbors { neighbors { … } }`, grows exponentially.
   * @default 50000
   */
  maxCost: number;
  /** Items a list field is assumed to hold when no `first` / `last` / `limit` argument says. @default 10 */
  listSize: number;
  /**
   * Time an operation may take from the request's arrival; its subgraph fetches are aborted when it passes and
   * the client gets REQUEST_TIMEOUT. @default 10000
   */
  requestBudgetMs: number;
  /** Bytes of a complete `/graphql` response body (RESPONSE_TOO_LARGE). @default 4 MiB */
  maxResponseBytes: number;
  /**
   * Bytes of one subgraph response, decompressed, read before the gateway parses it (SUBGRAPH_RESPONSE_TOO_LARGE).
   * Subgraph answers carry the keys and `__typename`s the query plan needs on top of what the client sees.
   * @default 8 MiB
   */
  maxSubgraphResponseBytes: number;
}

export const DEFAULT_LIMITS: Readonly<GatewayLimits> = Object.freeze({
  maxTokens: 15_000,
  maxDepth: 10,
  maxAliases: 30,
  maxRootFields: 20,
  maxCost: 50_000,
  listSize: 10,
  requestBudgetMs: 10_000,
  maxResponseBytes: 4 * 1024 * 1024,
  maxSubgraphResponseBytes: 8 * 1024 * 1024,
});
