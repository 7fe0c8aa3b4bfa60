/**
 * Apollo Server plugins of observability, the same in the gateway and every subgraph:
 * - operationMetricsPlugin counts and times GraphQL operations (lib/metrics `GraphQLMetrics`). Labels are bounded by
 *   OperationLabels; a document that never parsed or validated is labelled `invalid`, whatever name the client sent.
 * - operationLogPlugin writes one debug line per operation; inside the request's scope, so it carries `requestId`.
 */
import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { Logger } from '../logger/index.js';
import { INVALID_OPERATION, secondsSince, type GraphQLMetrics } from './index.js';

const errorsOf = ({ response: { body } }: GraphQLRequestContextWillSendResponse<any>) =>
  body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;

export interface OperationMetricsOptions {
  /** Called once per response with its operation label, e.g. to observe per-request figures. */
  onResponse?(operation: string): void;
}

export function operationMetricsPlugin(
  metrics: GraphQLMetrics,
  options: OperationMetricsOptions = {},
): ApolloServerPlugin<any> {
  return {
    async requestDidStart() {
      const start = process.hrtime.bigint();
      return {
        async willSendResponse(requestContext: GraphQLRequestContextWillSendResponse<any>) {
          const errors = errorsOf(requestContext);
          const operation = requestContext.operation
            ? metrics.labels.operation(requestContext.operationName)
            : INVALID_OPERATION;
          const type = requestContext.operation?.operation ?? 'unknown';
          metrics.operations.inc({ operation, type, outcome: metrics.labels.outcome(errors) });
          metrics.duration.observe({ operation, type }, secondsSince(start));
          options.onResponse?.(operation);
        },
      };
    },
  };
}

/** One `debug` line per operation answered: its name, type, first error code and duration. Costs nothing above debug. */
export function operationLogPlugin(logger: Logger): ApolloServerPlugin<any> {
  return {
    async requestDidStart() {
      if (!logger.isLevelEnabled('debug')) return;
      const start = process.hrtime.bigint();
      return {
        async willSendResponse(requestContext: GraphQLRequestContextWillSendResponse<any>) {
          const code = errorsOf(requestContext)?.[0]?.extensions?.code;
          logger.debug(
            {
              operationName: requestContext.operationName ?? null,
              operationType: requestContext.operation?.operation ?? null,
              code: code ?? null,
              ms: Math.round(secondsSince(start) * 1e4) / 10,
            },
            'graphql operation answered',
          );
        },
      };
    },
  };
}
