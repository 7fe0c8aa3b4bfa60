/** How the gateway copes with slow or failing subgraphs: timeouts, retries of reads, breakers, partial results. */
export { DEFAULT_RESILIENCE, type ResilienceOptions } from './options.js';
export { withResilience, type BreakerState, type ResilienceHooks } from './subgraph.js';
export { failureOf, fieldPaths, unavailableResponse, type FailureReason } from './failures.js';
