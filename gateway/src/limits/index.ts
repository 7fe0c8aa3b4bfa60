/** Demand control at the gateway: what an operation may ask for, how long it may take, how much it may return. */
export { DEFAULT_LIMITS, type GatewayLimits } from './options.js';
export { checkDemand, parseDocument, type DemandMetrics, type DemandReport, type DemandRequest } from './demand.js';
export { startDeadline, type Deadline, type LimitsContext } from './deadline.js';
export { withSubgraphLimits } from './subgraph.js';
export {
  deadlineOf,
  demandControl,
  demandOf,
  responseLimits,
  type DemandControlOptions,
  type MeasuredRequest,
} from './http.js';
export {
  EXPENSIVE_FIELDS,
  OperationRateLimits,
  rateLimitOperations,
  rateLimiterOver,
  type ChargeRequest,
  type RateLimitSettings,
} from './rate.js';
