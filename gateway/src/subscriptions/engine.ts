/**
 * The one subscribe function behind graphql-ws, SSE and multipart. A subscription is checked as a query is over
 * HTTP (this path skips Apollo Server, its plugins and the demand-control middleware, so each check is applied here):
 * document size and shape (demand control), validation, variables; then the limits on live subscriptions; then it
 * joins the group of subscribers that share its (document, operationName, variables, auth scope), which listens to
 * one upstream subscription on the subgraph that owns the root field.
 */
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  getVariableValues,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { ErrorCode } from '../../../lib/errors/index.js';
import type { Viewer } from '../../../lib/auth/viewer.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { DocumentResolver } from '../documents/index.js';
import { checkDemand, parseDocument, type GatewayLimits, type OperationRateLimits } from '../limits/index.js';
import { limitError, requestError } from '../limits/errors.js';
import type { EventExecutor } from './execute.js';
import { FanoutGroup, SubscriberStream } from './fanout.js';
import { PlanningError, SubscriptionPlanner } from './planner.js';
import type { ClientSession } from './session.js';
import type { AuthScope, UpstreamPool } from './upstream.js';

/** A GraphQL-over-HTTP request's parameters, as any transport received them (unchecked). */
export interface SubscribeParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  /** `persistedQuery` (APQ, trusted documents) is read here; the rest is ignored. */
  extensions?: unknown;
}

export type SubscribeResult =
  | {
      stream: SubscriberStream;
      /** The parsed document and the API schema, for graphql-ws's execution arguments. */
      document: DocumentNode;
      operationName: string | undefined;
      schema: GraphQLSchema;
    }
  /** Refused before anything was opened; `status` is the HTTP status for the HTTP transports. */
  | { errors: GraphQLError[]; status: number };

export interface EngineOptions {
  upstreams: UpstreamPool;
  executor: EventExecutor;
  limits: GatewayLimits;
  /** Live subscriptions per user (anonymous: per address), over every transport of this gateway. */
  maxPerUser: number;
  logger: Logger;
  /**
   * Persisted documents (gateway/src/documents): resolves a hash to its document and, under
   * TRUSTED_DOCUMENTS_MODE=enforce, refuses documents that are not trusted. The HTTP transports were resolved by
   * the middleware already (their requests arrive as full texts); graphql-ws's are resolved here.
   */
  documents?: DocumentResolver;
  /** Rate limits (gateway/src/limits/rate.ts): each subscription start is charged as an operation. */
  rateLimits?: Pick<OperationRateLimits, 'charge'>;
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.TOO_MANY_TOKENS]: 413,
  [ErrorCode.TOO_MANY_SUBSCRIPTIONS]: 429,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SCHEMA_NOT_READY]: 503,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

const NOT_READY = 'The gateway has not loaded its schema yet';
const SUPERGRAPH_CHANGED = 'The gateway loaded a new supergraph; this subscription was closed: subscribe again';

export class SubscriptionEngine {
  private planner?: SubscriptionPlanner;
  private readonly groups = new Map<string, FanoutGroup>();
  private readonly perUser = new Map<string, number>();
  private closing?: GraphQLError;

  constructor(private readonly options: EngineOptions) {}

  /**
   * A new supergraph (onSchemaLoadOrUpdate). Live subscriptions were planned against the old one, and their upstream
   * operations may no longer exist: they are closed with SUPERGRAPH_CHANGED, and clients subscribe again.
   */
  setSupergraph(coreSupergraphSdl: string, apiSchema: GraphQLSchema): void {
    const previous = this.planner;
    if (previous?.coreSupergraphSdl === coreSupergraphSdl) return;
    this.planner = new SubscriptionPlanner(coreSupergraphSdl, apiSchema);
    if (!previous) return;
    const error = requestError(ErrorCode.SUPERGRAPH_CHANGED, SUPERGRAPH_CHANGED);
    this.endAll([error.toJSON()]);
  }

  /** Ends every live subscription (with `errors`, or as completed) and, when `closing`, refuses new ones. */
  endAll(errors?: readonly GraphQLFormattedError[], closing?: GraphQLError): void {
    if (closing) this.closing = closing;
    for (const group of [...this.groups.values()]) group.end(errors);
  }

  /**
   * Subscribes `session` with the request `params`. `direct`, when given, receives each result (JSON text) as the
   * group produces it, instead of the stream's queue (SubscriberStream.direct); the stream still ends as usual.
   */
  async subscribe(
    session: ClientSession,
    params: SubscribeParams,
    direct?: (json: string) => void,
  ): Promise<SubscribeResult> {
    try {
      return await this.open(session, params, direct);
    } catch (error) {
      if (error instanceof PlanningError) return refusal(error.errors);
      if (error instanceof GraphQLError && typeof error.extensions.code === 'string') return refusal([error]);
      throw error;
    }
  }

  private async open(
    session: ClientSession,
    params: SubscribeParams,
    direct?: (json: string) => void,
  ): Promise<SubscribeResult> {
    if (this.closing) return refusal([this.closing]);
    if (session.refused) return refusal([session.refused]);
    const planner = this.planner;
    if (!planner) return refusal([requestError(ErrorCode.SCHEMA_NOT_READY, NOT_READY)]);
    let { query } = params;
    let registration: { hash: string; text: string } | undefined;
    if (this.options.documents) {
      const outcome = await this.options.documents.resolve(params);
      if (outcome.kind === 'refused') return { errors: outcome.errors, status: outcome.status };
      if (outcome.kind === 'resolved') {
        query = outcome.query;
        if (outcome.register) registration = { hash: outcome.hash, text: outcome.query };
      }
    }
    const { operationName: name, variables: rawVariables } = params;
    if (typeof query !== 'string') return refusal([badRequest('The request must carry a "query" string')]);
    if (name != null && typeof name !== 'string') return refusal([badRequest('"operationName" must be a string')]);
    if (rawVariables != null && !isRecord(rawVariables)) return refusal([badRequest('"variables" must be an object')]);
    const operationName = name ?? undefined;
    const { limits } = this.options;

    let document: DocumentNode;
    try {
      document = parseDocument(query, limits);
    } catch (error) {
      if (error instanceof GraphQLError && typeof error.extensions.code === 'string') return refusal([error]);
      const message = error instanceof Error ? error.message : 'Syntax error';
      return refusal([new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.GRAPHQL_PARSE_FAILED } })]);
    }
    const demand = checkDemand(planner.apiSchema, { document, operationName, variables: rawVariables }, limits);
    if (demand.errors.length) return refusal(demand.errors);
    const operation = getOperationAST(document, operationName);
    if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
      const message = 'This transport carries subscriptions only; send queries and mutations as HTTP POST to /graphql';
      return refusal([requestError(ErrorCode.NOT_A_SUBSCRIPTION, message)]);
    }
    if (registration) this.options.documents!.register(registration.hash, registration.text);
    if (this.options.rateLimits) {
      const limited = await this.options.rateLimits.charge({
        viewer: session.viewer,
        clientAddress: session.clientAddress,
        document,
        operation,
        cost: demand.metrics.cost,
      });
      if (limited) return refusal([limited]);
      // Checked again: each may have changed while the rate limit was asked.
      if (this.closing) return refusal([this.closing]);
      if (session.refused) return refusal([session.refused]);
      if (this.planner !== planner) return refusal([requestError(ErrorCode.SUPERGRAPH_CHANGED, SUPERGRAPH_CHANGED)]);
    }
    const plan = planner.plan(query, document, operationName);
    const refused = planner.authorization.check(document, planner.apiSchema, session.viewer);
    if (refused) return refusal([refused]);
    const coerced = getVariableValues(planner.apiSchema, operation.variableDefinitions ?? [], rawVariables ?? {});
    if (coerced.errors) {
      return refusal(
        coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } })),
      );
    }
    // Only the variables the operation declares: the rest would split groups for nothing.
    const variables: Record<string, unknown> = {};
    for (const definition of operation.variableDefinitions ?? []) {
      const variable = definition.variable.name.value;
      if (rawVariables && variable in rawVariables) variables[variable] = rawVariables[variable];
    }

    const tooMany = this.checkLimits(session);
    if (tooMany) return refusal([tooMany]);

    const scope = authScope(session.viewer);
    const key = JSON.stringify([plan.key, scope.key, sortedJson(variables)]);
    let group = this.groups.get(key);
    if (!group) {
      const created = new FanoutGroup({
        key,
        planner,
        plan,
        scope: { viewer: scope.viewer, variables },
        executor: this.options.executor,
        logger: this.options.logger,
        onClosed: (closed) => {
          if (this.groups.get(closed.key) === closed) this.groups.delete(closed.key);
          stopListening();
        },
      });
      const primaryVariables = Object.fromEntries(
        (plan.primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]),
      );
      const stopListening = this.options.upstreams.listen(
        plan.primary.serviceName,
        { query: plan.primary.operation, operationName: plan.primary.operationName, variables: primaryVariables },
        scope,
        created,
      );
      group = created;
      this.groups.set(key, group);
    }

    const stream = new SubscriberStream();
    stream.direct = direct;
    const limitKey = session.limitKey;
    this.perUser.set(limitKey, (this.perUser.get(limitKey) ?? 0) + 1);
    stream.onReleased(() => {
      const left = (this.perUser.get(limitKey) ?? 1) - 1;
      if (left > 0) this.perUser.set(limitKey, left);
      else this.perUser.delete(limitKey);
    });
    session.track(stream);
    group.add(stream);
    return { stream, document, operationName, schema: planner.apiSchema };
  }

  private checkLimits(session: ClientSession): GraphQLError | undefined {
    const perConnection = session.maxStreams;
    if (session.streams.size >= perConnection) {
      return tooManySubscriptions('connection', perConnection);
    }
    const perUser = this.options.maxPerUser;
    if ((this.perUser.get(session.limitKey) ?? 0) >= perUser) {
      return tooManySubscriptions(session.viewer.kind === 'user' ? 'user' : 'address', perUser);
    }
    return undefined;
  }
}

/**
 * What the subgraphs see of a viewer, which is therefore what may be shared: user id, role, hub and firm. Per user,
 * not per role: a subgraph may answer one user differently from another of the same role (a room's members, a
 * user's own points), so sharing a result across users could show one user another's data. The session id and token
 * version are left out: they say which sign-in the token came from, which no subgraph answers by, so a user's tabs
 * and devices share one group. Anonymous viewers are all alike to the subgraphs and share theirs.
 */
export function authScope(viewer: Viewer): AuthScope {
  if (viewer.kind !== 'user') return { key: 'anonymous', viewer };
  const { userId, role, hubId, firmId } = viewer;
  return {
    key: JSON.stringify([userId, role, hubId, firmId]),
    viewer: { kind: 'user', userId, role, hubId, firmId, sessionId: null, tokenVersion: 0 },
  };
}

function refusal(errors: readonly GraphQLError[]): SubscribeResult {
  const code = errors[0]?.extensions.code;
  return { errors: [...errors], status: (typeof code === 'string' && STATUS[code]) || 400 };
}

const badRequest = (message: string) =>
  new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.BAD_REQUEST } });

function tooManySubscriptions(scope: 'connection' | 'user' | 'address', limit: number) {
  const error = limitError(
    ErrorCode.TOO_MANY_SUBSCRIPTIONS,
    `This ${scope} already holds ${limit} live subscriptions, the most it may; end one first`,
    limit,
  );
  error.extensions.scope = scope;
  return error;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON with object keys sorted, so that `{a, b}` and `{b, a}` name the same group. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
