/**
 * Limits on the gateway's own subgraph fetches: each one listens to its operation's deadline, and reads at most
 * maxSubgraphResponseBytes of the answer before parsing it, so one huge subgraph answer cannot fill the memory.
 *
 * RemoteGraphQLDataSource calls its `fetcher(url, init)` with no request context and builds `init` itself (its
 * sendRequest is private), so the deadline travels from `process` (which has the context) to the fetcher in an
 * AsyncLocalStorage: the one channel that needs no change to Apollo's code and no header smuggled through it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { upstreamFetcher } from '../upstream/fetcher.js';
import type { Deadline, LimitsContext } from './deadline.js';
import { DEFAULT_LIMITS, type GatewayLimits } from './options.js';

type DataSourceClass = new (...args: any[]) => RemoteGraphQLDataSource<any>;

const operationDeadline = new AsyncLocalStorage<Deadline | undefined>();

/**
 * Adds the limits to a data source class; the result takes the same constructor arguments:
 * `new (withSubgraphLimits(PassportDataSource, limits))(name, url, passport)`. The deadline is read from the
 * operation context's `deadline` (LimitsContext); requests without one (Apollo's own) have no time budget.
 */
export function withSubgraphLimits<T extends DataSourceClass>(
  Base: T,
  limits: Pick<GatewayLimits, 'maxSubgraphResponseBytes'> = DEFAULT_LIMITS,
): T {
  // Pooled keep-alive connections (undici), the byte cap, and identical query fetches in flight joined.
  const fetcher = upstreamFetcher({
    maxBytes: limits.maxSubgraphResponseBytes,
    signal: () => operationDeadline.getStore()?.signal,
  });
  return class LimitedDataSource extends Base {
    override fetcher = fetcher;

    override async process(options: GraphQLDataSourceProcessOptions<any>) {
      const deadline = (options.context as LimitsContext | undefined)?.deadline;
      // A plan's later fetches start after an earlier one timed out: refuse them without a round trip.
      deadline?.signal.throwIfAborted();
      return operationDeadline.run(deadline, () => super.process(options));
    }
  };
}
