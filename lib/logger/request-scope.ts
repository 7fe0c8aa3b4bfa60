/**
 * The request a piece of code runs for, carried through its async calls (AsyncLocalStorage) rather than through
 * every function's arguments: the logger's `mixin` adds `requestId` to every line written inside the scope, and the
 * subgraphs count a request's SQL statements in it. Background work (relays, consumers, sweepers, MQTT) starts
 * outside any request and so logs no `requestId`.
 *
 * The HTTP edge opens the scope (lib/http `requestScope()`); nothing else should.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  /** The request id: the caller's `x-request-id` when valid, else generated at the edge. */
  readonly requestId: string;
  /** SQL statements the request's EntityManager sent so far (subgraphs; REQUEST_ORIGIN only). */
  sqlStatements: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (and everything it starts) inside `scope`. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The request the current code runs for, or undefined outside any request (background work, start-up). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
