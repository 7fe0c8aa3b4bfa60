/**
 * Subgraph fetch latency: wraps each data source the gateway builds, so that every fetch (a query plan's, and a
 * subscription's per-event ones, which go through the same data sources) is timed by subgraph and outcome. A wrapper
 * around the instance rather than another subclass: it needs nothing of RemoteGraphQLDataSource but `process`.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { secondsSince, type GatewayMetrics } from '../../../lib/metrics/index.js';
import { traceCall } from '../../../lib/tracing/index.js';
import type { LimitsContext } from '../limits/index.js';

/** success; error = the subgraph answered with GraphQL errors; timeout = the operation's deadline passed; failure. */
export type FetchOutcome = 'success' | 'error' | 'timeout' | 'failure';

export function observeFetches(
  subgraph: string,
  dataSource: GraphQLDataSource,
  histogram: GatewayMetrics['subgraphFetch'],
): GraphQLDataSource {
  return {
    async process(options: GraphQLDataSourceProcessOptions) {
      const start = process.hrtime.bigint();
      let outcome: FetchOutcome = 'failure';
      try {
        // A CLIENT span, current while the data source runs: its willSendRequest writes the traceparent the subgraph
        // continues (lib/tracing; no-op unless tracing is on).
        const response = await traceCall('gateway', `fetch ${subgraph}`, () => dataSource.process(options));
        outcome = response.errors?.length ? 'error' : 'success';
        return response;
      } catch (error) {
        const deadline = (options.context as Partial<LimitsContext> | undefined)?.deadline;
        if (deadline?.signal.aborted) outcome = 'timeout';
        throw error;
      } finally {
        histogram.observe({ subgraph, outcome }, secondsSince(start));
      }
    },
  };
}
