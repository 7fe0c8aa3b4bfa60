/**
 * Demand control on `/graphql` over HTTP, as two express middlewares mounted before Apollo's expressMiddleware:
 *
 * - responseLimits: starts the request's deadline (read into the operation context with deadlineOf) and caps the
 *   response body. @as-integrations/express5 answers a complete result with one `res.send(string)`, which is
 *   where the cap looks; it writes chunks only for incremental delivery, which graphql 16 does not do, and a
 *   stream (a multipart subscription, later) needs a cap per event rather than per response.
 * - demandControl: parses the document with the token cap and checks it (demand.ts) before Apollo parses and
 *   validates it, refusing with a GraphQL-shaped body `{ errors: [{ message, extensions: { code, ... } }] }`.
 *
 * Statuses: 413 for TOO_MANY_TOKENS (the document itself is too large, whatever it asks for); 400 for the other
 * limits, which refuse what a well-formed request asks for (429 means "too many requests over time", a rate
 * limit, which none of these is); 400 for RESPONSE_TOO_LARGE too (the client must ask for less; no data goes out,
 * and the GraphQL-over-HTTP spec wants 4xx/5xx for a response without data); 503 while no schema is loaded.
 */
import {
  OperationTypeNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Request, RequestHandler, Response } from 'express';
import { ErrorCode } from '../../../lib/errors/index.js';
import { clientClosedRequest, startDeadline, type Deadline } from './deadline.js';
import { checkDemand, parseDocument } from './demand.js';
import { limitError, requestError } from './errors.js';
import { DEFAULT_LIMITS, type GatewayLimits } from './options.js';

export interface DemandControlOptions {
  /** The API schema, kept from `gateway.onSchemaLoadOrUpdate`; undefined until it is loaded (answered with 503). */
  getSchema(): GraphQLSchema | undefined;
  limits?: GatewayLimits;
  /**
   * Whether a handler after this one streams the request's subscription (SSE or multipart, gateway/src/subscriptions);
   * any other subscription over HTTP is refused with SUBSCRIPTION_NOT_SUPPORTED. @default never
   */
  streamsSubscription?(req: Request): boolean;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  TOO_MANY_TOKENS: 413,
  SCHEMA_NOT_READY: 503,
  // Apollo's own answer (and what APQ clients expect): fall back to sending the full query.
  PERSISTED_QUERY_NOT_SUPPORTED: 200,
};

const deadlines = new WeakMap<Response, Deadline>();

/** What demand control found in a request it let through: the operation that runs and its estimated cost. */
export interface MeasuredRequest {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Absent when the cost was not estimated (maxCost is Infinity, or Apollo will refuse the document). */
  cost?: number;
}

const measured = new WeakMap<Request, MeasuredRequest>();

/** The operation demand control let through on this request, for the handlers after it (rate limits). */
export const demandOf = (req: Request): MeasuredRequest | undefined => measured.get(req);

/** The deadline responseLimits started for this response; put it in the operation context as `deadline`. */
export const deadlineOf = (res: Response): Deadline | undefined => deadlines.get(res);

/** Starts the request's time budget and caps the response body; mount it first on `/graphql`. */
export function responseLimits(
  limits: Pick<GatewayLimits, 'requestBudgetMs' | 'maxResponseBytes'> = DEFAULT_LIMITS,
): RequestHandler {
  return (_req, res, next) => {
    const deadline = startDeadline(limits.requestBudgetMs);
    deadlines.set(res, deadline);
    res.once('close', () => {
      // Closed before the answer was written: nobody waits for it any more, so stop its subgraph fetches.
      if (!res.writableFinished) deadline.abort(clientClosedRequest());
      deadline.dispose();
    });
    capBody(res, limits.maxResponseBytes);
    next();
  };
}

/** Refuses what the limits forbid before Apollo parses or validates it; everything else goes on to Apollo. */
export function demandControl({
  getSchema,
  limits = DEFAULT_LIMITS,
  streamsSubscription = () => false,
}: DemandControlOptions): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') return next();
    if (Array.isArray(req.body)) {
      const message = 'Batched requests are not supported: send one operation per request';
      return refuse(res, [requestError(ErrorCode.BATCH_NOT_SUPPORTED, message)]);
    }
    const { query, operationName, variables, extensions } = requestParams(req);
    if (typeof query !== 'string') {
      // A persisted query's hash alone would run a document this check never saw, with new variables: the
      // persisted-documents middleware (gateway/src/documents), mounted before this one, resolves hashes to texts.
      if (isRecord(extensions) && extensions.persistedQuery) {
        res.setHeader('cache-control', 'private, no-cache, must-revalidate');
        return refuse(res, [requestError(ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, 'PersistedQueryNotSupported')]);
      }
      return next(); // No operation (the landing page, or a request Apollo refuses itself).
    }
    let document;
    try {
      document = parseDocument(query, limits);
    } catch (error) {
      // A syntax error is not a limit: Apollo parses the same bounded prefix again and reports it.
      return isCoded(error) ? refuse(res, [error]) : next();
    }
    const schema = getSchema();
    if (!schema) {
      const message = 'The gateway has not loaded its schema yet';
      return refuse(res, [requestError(ErrorCode.SCHEMA_NOT_READY, message)]);
    }
    const report = checkDemand(
      schema,
      { document, operationName: typeof operationName === 'string' ? operationName : undefined, variables },
      limits,
    );
    if (report.operation?.operation === OperationTypeNode.SUBSCRIPTION && !streamsSubscription(req)) {
      const message =
        'Subscriptions are not served over plain HTTP POST or GET; use graphql-ws on this path, or ask for a ' +
        'stream with Accept: text/event-stream (SSE) or multipart/mixed;subscriptionSpec="1.0"';
      return refuse(res, [requestError(ErrorCode.SUBSCRIPTION_NOT_SUPPORTED, message)]);
    }
    if (report.errors.length) return refuse(res, report.errors);
    if (report.operation) measured.set(req, { document, operation: report.operation, cost: report.metrics.cost });
    next();
  };
}

function refuse(res: Response, errors: readonly GraphQLError[]) {
  const code = errors[0]?.extensions.code as ErrorCode;
  res.status(STATUS[code] ?? 400).json({ errors: errors.map((e) => e.toJSON()) });
}

function capBody(res: Response, maxBytes: number) {
  const send = res.send;
  res.send = function (this: Response, body?: unknown) {
    const size = typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : 0;
    if (size <= maxBytes) return send.call(this, body);
    res.send = send; // The refusal goes out through res.json → res.send.
    res.setHeader('cache-control', 'no-store'); // Apollo may have made the oversized answer cacheable.
    const message = `The response holds ${size} bytes; the limit is ${maxBytes}`;
    refuse(res, [limitError(ErrorCode.RESPONSE_TOO_LARGE, message, maxBytes, size)]);
    return res;
  };
}

interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: Record<string, unknown>;
  extensions?: unknown;
}

/** The GraphQL-over-HTTP parameters: a POST's JSON body, or a GET's query string (variables as JSON text). */
export function requestParams(req: Request): GraphQLParams {
  if (req.method === 'POST') {
    const body: unknown = req.body;
    if (!isRecord(body)) return {};
    return { ...body, variables: isRecord(body.variables) ? body.variables : undefined };
  }
  const { query, operationName, variables, extensions } = req.query;
  const variablesJson = jsonParam(variables);
  return {
    query,
    operationName,
    variables: isRecord(variablesJson) ? variablesJson : undefined,
    extensions: jsonParam(extensions),
  };
}

function jsonParam(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined; // Apollo refuses malformed JSON parameters itself.
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isCoded = (error: unknown): error is GraphQLError =>
  typeof (error as GraphQLError | undefined)?.extensions?.code === 'string';
