/**
 * Request ids at the HTTP edge. The gateway takes a client's `x-request-id` when it is safe to echo and to log
 * (visible ASCII, no spaces, at most 128 characters), else makes one, returns it in the response header and sends it
 * to every subgraph fetch; the subgraphs take the gateway's the same way. The id then lives in the request's async
 * scope (lib/logger/request-scope.ts), so every log line of the request carries it.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { currentRequestScope, runInRequestScope, type RequestScope } from '../logger/request-scope.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Printable ASCII without spaces (which would split log fields and headers), 1 to 128 characters. */
const VALID_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The caller's request id when it is acceptable, else a fresh one (a random UUID). */
export function acceptRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && VALID_REQUEST_ID.test(value) ? value : randomUUID();
}

/** The request id of the code running now (inside a request's scope), if any. */
export const currentRequestId = (): string | undefined => currentRequestScope()?.requestId;

/**
 * Express middleware: gives the request its id (accepted or generated), answers it in `x-request-id`, and runs the
 * rest of the chain inside the request's scope. Mount it first, and again after middleware that reads the body:
 * body parsers continue from the socket's stream events, outside the scope; a second mount re-enters the same scope.
 */
export function requestScope(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let scope = res.locals.requestScope as RequestScope | undefined;
    if (!scope) {
      scope = { requestId: acceptRequestId(req.headers[REQUEST_ID_HEADER]), sqlStatements: 0 };
      res.locals.requestScope = scope;
      res.setHeader(REQUEST_ID_HEADER, scope.requestId);
    }
    runInRequestScope(scope, next);
  };
}

/** The scope `requestScope()` opened for this response. */
export const requestScopeOf = (res: Response): RequestScope | undefined =>
  res.locals.requestScope as RequestScope | undefined;
