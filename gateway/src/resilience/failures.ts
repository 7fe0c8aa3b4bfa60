/**
 * What counts as a subgraph failure, and what the client reads instead of it.
 *
 * A failure is the subgraph's, not the request's: it could not be reached (connection refused or reset), it
 * answered 5xx, or it outlived the per-fetch timeout. The operation's own deadline (REQUEST_TIMEOUT), a client
 * that went away, an oversized answer and 4xx answers are not: they say nothing about the subgraph's health, so
 * they neither trip the breaker nor are retried, and reach the client as before.
 *
 * A failed fetch is answered like a subgraph that returned errors: a GraphQL response without data whose errors
 * (SERVICE_UNAVAILABLE) carry the paths of the fields the fetch would have filled. @apollo/gateway places them in the
 * operation's response (an `_entities` path becomes the entity's own path) and keeps what the other fetches
 * returned, so the client gets partial data and an error where data is missing. A thrown error would be reported
 * without a path and, being a network error, masked as INTERNAL_SERVER_ERROR.
 */
import {
  GraphQLError,
  Kind,
  parse,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../../../lib/errors/index.js';

/** Why a subgraph could not answer; `extensions.reason` of the SERVICE_UNAVAILABLE error. */
export type FailureReason = 'UNREACHABLE' | 'ERROR_STATUS' | 'TIMEOUT' | 'CIRCUIT_OPEN';

/** The reason a fetch's own timer aborts it with; anything else aborting it is the operation's deadline. */
export class FetchTimeout extends Error {
  override name = 'FetchTimeout';
  constructor(readonly timeoutMs: number) {
    super(`The subgraph did not answer within ${timeoutMs} ms`);
  }
}

/** Node's and undici's codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The HTTP status of a non-2xx subgraph answer, as RemoteGraphQLDataSource.errorFromResponse reports it. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as GraphQLError | undefined)?.extensions?.response as { status?: unknown } | undefined;
  return typeof status?.status === 'number' ? status.status : undefined;
}

/** fetch rejects with `TypeError: fetch failed` (or `terminated` mid-body), the socket's error in its causes. */
function isConnectionError(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && CONNECTION_CODES.has(code)) return true;
    if (e instanceof TypeError && (e.message === 'fetch failed' || e.message === 'terminated')) return true;
  }
  return false;
}

/** opossum's refusal while the breaker is open (or half-open with its one trial under way). */
export const isBreakerOpen = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'EOPENBREAKER';

/**
 * Whether `error`, raised by a fetch whose signal is `signal`, is the subgraph's failure, and which. Undefined:
 * not the subgraph's doing (see the module comment); the error goes on unchanged.
 */
export function failureOf(error: unknown, signal?: AbortSignal): FailureReason | undefined {
  if (signal?.aborted) return signal.reason instanceof FetchTimeout ? 'TIMEOUT' : undefined;
  if (isBreakerOpen(error)) return 'CIRCUIT_OPEN';
  const status = statusOf(error);
  if (status !== undefined) return status >= 500 ? 'ERROR_STATUS' : undefined;
  if (error instanceof GraphQLError) return undefined; // Coded by the limits (REQUEST_TIMEOUT, …): not a failure.
  return isConnectionError(error) ? 'UNREACHABLE' : undefined;
}

/** Worth another attempt: the subgraph may answer a moment later (a restart, a connection reset, a 503). */
export const isTransient = (reason: FailureReason, error: unknown) =>
  reason === 'UNREACHABLE' || (reason === 'ERROR_STATUS' && statusOf(error) === 503);

const MESSAGES: Record<FailureReason, string> = {
  UNREACHABLE: 'could not be reached',
  ERROR_STATUS: 'failed to answer',
  TIMEOUT: 'did not answer in time',
  CIRCUIT_OPEN: 'is failing and is not being called for now',
};

/** Errors placed on a failed fetch's fields, at most this many; the rest are left null without one of their own. */
export const MAX_ERRORS_PER_FETCH = 100;

/**
 * The response standing in for a failed fetch: a SERVICE_UNAVAILABLE error per field the fetch would have
 * filled (per entity for an `_entities` fetch). Nothing internal: the subgraph's URL, status and body stay in the
 * gateway's log; @apollo/gateway adds the subgraph's name as `extensions.serviceName`, as for its other errors.
 */
export function unavailableResponse(
  request: { query?: string; variables?: Record<string, unknown> },
  reason: FailureReason,
  retryAfterSeconds?: number,
): { errors: GraphQLFormattedError[] } {
  const message = `A service this answer needs ${MESSAGES[reason]}; try again later`;
  const extensions = {
    code: ErrorCode.SERVICE_UNAVAILABLE,
    reason,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
  const paths = fieldPaths(request.query, request.variables);
  if (paths.length === 0) return { errors: [{ message, extensions }] };
  return { errors: paths.map((path) => ({ message, path, extensions })) };
}

/**
 * The paths, within the subgraph's own response, of the fields a fetch asks for: `[field]` for a root fetch,
 * `['_entities', i, field]` for each representation of an entity fetch (which the gateway maps to the entity's
 * place in the operation's response).
 */
export function fieldPaths(query?: string, variables?: Record<string, unknown>): (string | number)[][] {
  if (!query) return [];
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return [];
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return [];
  const keys = (set: SelectionSetNode, typename?: string) => responseKeys(set, fragments, typename);
  const representations = variables?.representations;
  const root = keys(operation.selectionSet);
  const entities = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities');
  if (!Array.isArray(representations) || root.length !== 1 || entities?.kind !== Kind.FIELD || !entities.selectionSet) {
    return root.slice(0, MAX_ERRORS_PER_FETCH).map((key) => [key]);
  }
  const paths: (string | number)[][] = [];
  const byType = new Map<string | undefined, string[]>();
  for (let i = 0; i < representations.length && paths.length < MAX_ERRORS_PER_FETCH; i++) {
    const typename = (representations[i] as { __typename?: unknown } | null)?.__typename;
    const type = typeof typename === 'string' ? typename : undefined;
    if (!byType.has(type)) byType.set(type, keys(entities.selectionSet, type));
    for (const key of byType.get(type)!) paths.push(['_entities', i, key]);
  }
  return paths.slice(0, MAX_ERRORS_PER_FETCH);
}

/** Response keys a selection set fills for an object of `typename` (any type when unknown), `__typename` aside. */
function responseKeys(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  typename?: string,
  seen = new Set<string>(),
): string[] {
  const keys = new Set<string>();
  const applies = (condition?: string) => !condition || !typename || condition === typename;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const key = (selection.alias ?? selection.name).value;
      if (key !== '__typename') keys.add(key);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value)) {
        for (const k of responseKeys(selection.selectionSet, fragments, typename, seen)) keys.add(k);
      }
    } else {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value) || !applies(fragment.typeCondition.name.value)) continue;
      seen.add(fragment.name.value);
      for (const k of responseKeys(fragment.selectionSet, fragments, typename, seen)) keys.add(k);
    }
  }
  return [...keys];
}
