/**
 * The request-time budget. A deadline is an AbortSignal that fires when the budget is spent, its reason being the
 * REQUEST_TIMEOUT error the client will read; everything the operation waits for (subgraph fetches today, a
 * subscription event's follow-up fetches later) listens to it.
 */
import type { GraphQLError } from 'graphql';
import { ErrorCode } from '../../../lib/errors/index.js';
import { limitError, requestError } from './errors.js';

export interface Deadline {
  readonly budgetMs: number;
  /** Aborted when the budget is spent or the work is given up; `signal.reason` is a coded GraphQLError. */
  readonly signal: AbortSignal;
  /** Gives up early (the client went away), with a reason of its own. */
  abort(reason: GraphQLError): void;
  /** Stops the timer; call it when the work is done, or the timer keeps the deadline alive until it fires. */
  dispose(): void;
}

/** What the gateway's operation context carries for its data sources (see withSubgraphLimits). */
export interface LimitsContext {
  deadline?: Deadline;
}

/** Starts a deadline `budgetMs` from now; `Infinity` never fires. */
export function startDeadline(budgetMs: number): Deadline {
  const startedAt = performance.now();
  const controller = new AbortController();
  const abort = (reason: GraphQLError) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onTimeout = () => {
    const spent = Math.round(performance.now() - startedAt);
    abort(limitError(ErrorCode.REQUEST_TIMEOUT, `The request ran out of its ${budgetMs} ms budget`, budgetMs, spent));
  };
  // unref: a pending budget must never keep the process from exiting.
  const timer = Number.isFinite(budgetMs) ? setTimeout(onTimeout, Math.max(0, budgetMs)).unref() : undefined;
  return {
    budgetMs,
    signal: controller.signal,
    abort,
    dispose: () => clearTimeout(timer),
  };
}

/** The reason a request's deadline is aborted with when its client disconnects before the answer. */
export const clientClosedRequest = () =>
  requestError(ErrorCode.CLIENT_CLOSED_REQUEST, 'The client closed the request before it was answered');
