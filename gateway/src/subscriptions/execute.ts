/**
 * One event of an upstream subscription → the client's result, serialized once for every subscriber who shares it.
 *
 * executeQueryPlan cannot be seeded with data, but its service map is ours: the event answers the plan's first
 * fetch under EVENT_SERVICE (planner.ts), and the gateway's own data sources answer the rest, with their passports,
 * time budgets and byte caps. Merging entities, `@include`/`@skip`, aliases, null propagation and result shaping are
 * therefore Apollo's own code, exactly as for a query.
 *
 * Nothing raw leaves: executeQueryPlan reports a failed fetch (a subgraph that is down, a budget spent) as a raw
 * `Error` beside the partial data, and may throw; each becomes a GraphQLError and goes through the same formatter as
 * every other gateway error, which masks what was not raised on purpose.
 */
import { randomUUID } from 'node:crypto';
import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../../lib/errors/index.js';
import type { Viewer } from '../../../lib/auth/viewer.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { GatewayContext } from '../auth.js';
import { startDeadline, type GatewayLimits } from '../limits/index.js';
import { limitError } from '../limits/errors.js';
import { EVENT_SERVICE, type SubscriptionPlan, type SubscriptionPlanner } from './planner.js';

type RequestContext = Parameters<typeof executeQueryPlan>[2];

/** What an upstream subgraph sends per event: its own execution result, already formatted (masked) there. */
export interface UpstreamEvent {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

export interface EventExecutorOptions {
  /** The gateway's data sources by subgraph name, as `buildService` made them. */
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  limits: Pick<GatewayLimits, 'requestBudgetMs' | 'maxResponseBytes'>;
  /** The gateway's formatter (lib/errors createErrorFormatter): coded errors pass, the rest is masked and logged. */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logger: Logger;
}

/** Who the per-event fetches act for, and the client's variables. */
export interface EventScope {
  viewer: Viewer;
  variables: Record<string, unknown>;
}

export class EventExecutor {
  constructor(private readonly options: EventExecutorOptions) {}

  /** Runs `plan` for one event and returns the client's result as JSON text (`{"data":…,"errors":[…]}`). */
  async run(planner: SubscriptionPlanner, plan: SubscriptionPlan, event: UpstreamEvent, scope: EventScope) {
    const { limits } = this.options;
    // Each event has the time budget of a request; its fetches are aborted when it is spent.
    const deadline = startDeadline(limits.requestBudgetMs);
    // Each event's fetches share a request id of their own, as a query's do (subgraph logs tie them together).
    const context: GatewayContext = { viewer: scope.viewer, clientAddress: null, deadline, requestId: randomUUID() };
    const requestContext = {
      request: {
        query: undefined,
        operationName: plan.operationContext.operation.name?.value,
        variables: scope.variables,
      },
      context,
      logger: this.options.logger,
      metrics: {},
      document: plan.document,
      operation: plan.operation,
      operationName: plan.operationContext.operation.name?.value ?? null,
      schema: planner.apiSchema,
    } as unknown as RequestContext;
    let result: ExecutionResult;
    try {
      result = await executeQueryPlan(
        plan.eventPlan,
        // The gateway's data sources (buildService adds to the map when a supergraph names new subgraphs).
        { ...Object.fromEntries(this.options.dataSources), [EVENT_SERVICE]: eventSource(event) } as ServiceMap,
        requestContext,
        plan.operationContext,
        planner.supergraphSchema,
        planner.apiSchemaInternal,
      );
    } catch (error) {
      result = { data: null, errors: [asGraphQLError(error)] };
    } finally {
      deadline.dispose();
    }
    return this.serialize(result, plan.primary.serviceName);
  }

  private serialize(result: ExecutionResult, primaryService: string): string {
    const errors = result.errors?.map((e) => {
      const error = asGraphQLError(e);
      const formatted = this.options.formatError(error.toJSON(), error);
      // The event's errors come from the primary subgraph: name it, as a query's errors name theirs.
      return formatted.extensions?.serviceName === EVENT_SERVICE
        ? { ...formatted, extensions: { ...formatted.extensions, serviceName: primaryService } }
        : formatted;
    });
    // `extensions` of executeQueryPlan's result are internal (value-completion notes): not for clients.
    const json = JSON.stringify(errors?.length ? { data: result.data ?? null, errors } : { data: result.data ?? null });
    const size = Buffer.byteLength(json);
    if (size <= this.options.limits.maxResponseBytes) return json;
    // The HTTP response cap, applied per event: a stream has no single body to measure.
    const max = this.options.limits.maxResponseBytes;
    const tooLarge = limitError(
      ErrorCode.RESPONSE_TOO_LARGE,
      `The event's result holds ${size} bytes; the limit is ${max}`,
      max,
      size,
    );
    return JSON.stringify({ data: null, errors: [tooLarge.toJSON()] });
  }
}

/**
 * The data source that answers the event's own fetch. Each execution gets its own copy of the data: executeQueryPlan
 * merges the entities it fetches into the objects it is given, and several plans (different documents on the same
 * upstream) run on one event.
 */
function eventSource(event: UpstreamEvent): GraphQLDataSource {
  return {
    process: async () => ({
      data: event.data == null ? event.data : structuredClone(event.data),
      errors: event.errors as ExecutionResult['errors'],
    }),
  };
}

/** graphql-ws and the formatter need GraphQLErrors; executeQueryPlan and data sources can produce anything. */
export function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof Error) return new GraphQLError(error.message, { originalError: error });
  if (typeof error === 'object' && error !== null && typeof (error as GraphQLFormattedError).message === 'string') {
    // A formatted error (from a subgraph, over graphql-ws): keep its code and path, the formatter decides the rest.
    const { message, extensions, path } = error as GraphQLFormattedError;
    return new GraphQLError(message, { extensions, path });
  }
  return new GraphQLError('Unexpected error', { originalError: new Error(String(error)) });
}
