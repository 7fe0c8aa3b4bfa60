/**
 * How the gateway treats a subgraph that is slow or down, in one place. lib/config reads the values
 * (SUBGRAPH_* variables); these are the defaults a gateway built without them gets.
 */
export interface ResilienceOptions {
  /**
   * Milliseconds one fetch to a subgraph may take, answer included. The operation's own budget
   * (GatewayLimits.requestBudgetMs) still bounds it: whichever ends first aborts the fetch. @default 10000
   */
  timeoutMs: number;
  /**
   * Further attempts of a failed fetch, only for fetches that read (query operations, `_entities` included), and
   * only when the subgraph could not be reached or answered 503. Mutations are sent once. @default 2
   */
  retries: number;
  /**
   * Wait before the first retry; each further retry waits twice as long, with jitter (half to all of it),
   * never past `maxBackoffMs`. @default 50
   */
  retryBackoffMs: number;
  /** The longest wait between two attempts. @default 500 */
  maxBackoffMs: number;
  breaker: {
    /** Percentage of failed fetches within the window that opens the breaker. @default 50 */
    errorPercent: number;
    /** Fetches within the window before the breaker may open at all. @default 5 */
    minRequests: number;
    /** The rolling window the failure rate is measured over, in milliseconds. @default 10000 */
    windowMs: number;
    /**
     * How long an open breaker answers at once, without calling the subgraph, before it lets one fetch through to
     * test it (half-open): success closes it, failure opens it again for as long. @default 5000
     */
    resetMs: number;
  };
}

export const DEFAULT_RESILIENCE: Readonly<ResilienceOptions> = Object.freeze({
  timeoutMs: 10_000,
  retries: 2,
  retryBackoffMs: 50,
  maxBackoffMs: 500,
  breaker: Object.freeze({ errorPercent: 50, minRequests: 5, windowMs: 10_000, resetMs: 5_000 }),
});
