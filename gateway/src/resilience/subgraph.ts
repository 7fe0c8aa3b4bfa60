/**
 * Resilience of the gateway's subgraph fetches: a timeout per fetch, retries of reads, a circuit breaker per
 * subgraph, and partial results when a subgraph fails (failures.ts says what the client reads).
 *
 * - Timeout: each attempt gets its own deadline, `timeoutMs` or the operation's remaining budget, whichever ends
 *   first; it travels to the fetcher as the operation context's `deadline` (see limits/subgraph.ts).
 * - Retries: only a fetch whose own operation is a query is retried, and only when the subgraph could not be
 *   reached or answered 503, after a short backoff bounded by the operation's deadline. In a mutation's plan the
 *   root fetch is a mutation and is sent once (it may have been applied before the connection broke); the
 *   `_entities` fetches that follow it are queries, and read back what the mutation did without side effects,
 *   so they are retried: losing that read would leave the client unsure whether to send the mutation again.
 * - Breaker (opossum, one per subgraph, so one failing subgraph never stops the others): once `errorPercent` of
 *   the fetches within `windowMs` failed (at least `minRequests` of them), fetches to that subgraph are answered
 *   at once with SERVICE_UNAVAILABLE (reason CIRCUIT_OPEN) instead of waiting for timeouts; after `resetMs` one
 *   fetch is let through, and its success closes the breaker: the gateway recovers without a restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import CircuitBreaker from 'opossum';
import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { Deadline, LimitsContext } from '../limits/index.js';
import { failureOf, FetchTimeout, isTransient, unavailableResponse } from './failures.js';
import { DEFAULT_RESILIENCE, type ResilienceOptions } from './options.js';

type DataSourceClass = new (...args: any[]) => RemoteGraphQLDataSource<any>;
type Response = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;
type Attempt = () => Promise<Response>;

/** GraphQLDataSourceRequestKind.INCOMING_OPERATION, an enum @apollo/gateway does not export. */
const INCOMING_OPERATION = 'incoming operation';

/** What a resilient data source tells about its breaker (logs, tests). */
export type BreakerState = 'open' | 'halfOpen' | 'close';

export interface ResilienceHooks {
  /** Called when a subgraph's breaker changes state; `url` is the data source's. */
  onBreakerStateChange?(state: BreakerState, url: string): void;
}

/**
 * Adds timeouts, retries, a breaker and partial results to a data source class (which it extends, keeping its
 * constructor): `new (withResilience(withSubgraphLimits(PassportDataSource, limits), options))(name, url, passport)`.
 * Requests the gateway makes on its own (health checks, schema loading) pass through untouched.
 */
export function withResilience<T extends DataSourceClass>(
  Base: T,
  options: ResilienceOptions = DEFAULT_RESILIENCE,
  hooks: ResilienceHooks = {},
): T {
  return class ResilientDataSource extends Base {
    readonly breaker: CircuitBreaker<[Attempt], Response>;
    /** Errors of attempts that the subgraph failed; opossum's errorFilter sees nothing but the error. */
    readonly #failures = new WeakSet<object>();

    constructor(...args: any[]) {
      super(...args);
      this.breaker = new CircuitBreaker((attempt: Attempt) => attempt(), {
        timeout: false, // Each attempt's own deadline times it out (and aborts it, which opossum's timer would not).
        errorThresholdPercentage: options.breaker.errorPercent,
        volumeThreshold: options.breaker.minRequests,
        rollingCountTimeout: options.breaker.windowMs,
        resetTimeout: options.breaker.resetMs,
        enableSnapshots: false,
        // Only the subgraph's failures count; a request's own timeout or a 4xx is a success for the breaker.
        errorFilter: (error: unknown) => !(error instanceof Object && this.#failures.has(error)),
      });
      this.breaker.on('open', () => hooks.onBreakerStateChange?.('open', this.url));
      this.breaker.on('halfOpen', () => hooks.onBreakerStateChange?.('halfOpen', this.url));
      this.breaker.on('close', () => hooks.onBreakerStateChange?.('close', this.url));
    }

    override async process(request: GraphQLDataSourceProcessOptions<any>): Promise<Response> {
      if ((request.kind as string) !== INCOMING_OPERATION) return super.process(request);
      const context = request.context as LimitsContext | undefined;
      const operation = context?.deadline;
      const reads = isQuery(request.request.query);
      for (let attempt = 0; ; attempt++) {
        operation?.signal.throwIfAborted();
        const deadline = fetchDeadline(operation, options.timeoutMs);
        try {
          return await this.breaker.fire(async () => {
            try {
              return await super.process({ ...request, context: { ...context, deadline } });
            } catch (error) {
              if (error instanceof Object && failureOf(error, deadline.signal)) this.#failures.add(error);
              throw error;
            }
          });
        } catch (error) {
          const reason = failureOf(error, deadline.signal);
          if (!reason) throw error;
          if (reads && attempt < options.retries && isTransient(reason, error)) {
            await backoff(attempt, options, operation?.signal);
            continue;
          }
          const retryAfter = reason === 'CIRCUIT_OPEN' ? Math.ceil(options.breaker.resetMs / 1000) : undefined;
          return unavailableResponse(request.request, reason, retryAfter);
        } finally {
          deadline.dispose();
        }
      }
    }
  };
}

/** A query (root or `_entities`) reads; a mutation may change something and is never sent twice. */
function isQuery(query: string | undefined): boolean {
  // The query planner writes fetches as `query …`, `mutation …` or a bare selection set (a query).
  const keyword = /^\s*(?:#[^\n]*\n\s*)*(\w+|\{)/.exec(query ?? '')?.[1];
  return keyword === 'query' || keyword === '{';
}

/** One attempt's deadline: `timeoutMs` from now, or the operation's own if that ends first. */
function fetchDeadline(operation: Deadline | undefined, timeoutMs: number): Deadline {
  const own = new AbortController();
  const timer = setTimeout(() => own.abort(new FetchTimeout(timeoutMs)), timeoutMs).unref();
  return {
    budgetMs: Math.min(timeoutMs, operation?.budgetMs ?? Infinity),
    signal: operation ? AbortSignal.any([operation.signal, own.signal]) : own.signal,
    abort: (reason) => own.abort(reason),
    dispose: () => clearTimeout(timer),
  };
}

/** Waits before retry `attempt + 1`: exponential, jittered, capped; the operation's deadline ends the wait. */
async function backoff(attempt: number, options: ResilienceOptions, signal?: AbortSignal) {
  const ceiling = Math.min(options.maxBackoffMs, options.retryBackoffMs * 2 ** attempt);
  try {
    await sleep(ceiling * (0.5 + Math.random() / 2), undefined, { signal });
  } catch {
    throw signal?.reason;
  }
}
