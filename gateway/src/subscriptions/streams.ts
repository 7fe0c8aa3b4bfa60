/**
 * Subscriptions over plain HTTP on /graphql: which requests are streamed (by their Accept header), and what the two
 * HTTP transports share: the session from the `Authorization` header, refusals answered as a GraphQL-shaped JSON
 * body before any stream starts, and writing a stream out with backpressure until the client goes away.
 */
import { STATUS_CODES } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { GraphQLError, OperationTypeNode, getOperationAST, parse } from 'graphql';
import { requestParams } from '../limits/http.js';
import type { SubscribeResult } from './engine.js';
import type { ClientSession } from './session.js';
import { publicError } from './session.js';

export type StreamingTransport = 'sse' | 'multipart';

/** Opens the session of one HTTP subscription (Authorization header, client address); throws UNAUTHENTICATED. */
export type OpenHttpSession = (req: Request) => Promise<ClientSession>;

/**
 * The streaming transport a request asks for: SSE (`Accept: text/event-stream`, graphql-sse) or Apollo's multipart
 * protocol (`Accept: multipart/mixed;subscriptionSpec="1.0"`, what Apollo Client and Sandbox send for subscriptions).
 */
export function streamingTransport(req: Request): StreamingTransport | undefined {
  if (req.method !== 'GET' && req.method !== 'POST') return undefined;
  const accept = (req.get('accept') ?? '').toLowerCase();
  if (accept.includes('text/event-stream')) return 'sse';
  if (accept.includes('multipart/mixed') && accept.includes('subscriptionspec')) return 'multipart';
  return undefined;
}

/**
 * Streams the subscriptions that ask for a streaming transport; everything else (queries and mutations, whatever
 * their Accept header, and documents that do not parse) goes on to Apollo. Mount it after demand control.
 */
export function httpSubscriptions(
  handlers: Record<StreamingTransport, (req: Request, res: Response) => Promise<void>>,
) {
  const handler: RequestHandler = (req, res, next) => {
    const transport = streamingTransport(req);
    if (!transport || !isSubscription(req)) return next();
    handlers[transport](req, res).catch(next);
  };
  return handler;
}

function isSubscription(req: Request): boolean {
  const { query, operationName } = requestParams(req);
  if (typeof query !== 'string') return false;
  try {
    // Demand control has measured this document already (its size is bounded by now).
    const name = typeof operationName === 'string' ? operationName : undefined;
    return getOperationAST(parse(query, { noLocation: true }), name)?.operation === OperationTypeNode.SUBSCRIPTION;
  } catch {
    return false;
  }
}

/** A refusal as a GraphQL-over-HTTP response: status, and `{ errors }` as clients read them. */
export function refusal(
  cause: unknown,
): readonly [string, { status: number; statusText: string; headers: Record<string, string> }] {
  let status = 400;
  let errors;
  if (cause instanceof GraphQLError) {
    // viewerFromAuthorization's UNAUTHENTICATED carries its status for the transport.
    status = (cause.extensions.http as { status?: number } | undefined)?.status ?? status;
    errors = [publicError(cause)];
  } else if (isRefused(cause)) {
    status = cause.status;
    errors = cause.errors.map(publicError);
  } else {
    throw cause;
  }
  // RATE_LIMITED (and a fail-closed rate limit's SERVICE_UNAVAILABLE) say when to come back, in HTTP too.
  const retryAfter = Math.max(0, ...errors.map((e) => Number(e.extensions?.retryAfterSeconds) || 0));
  return [
    JSON.stringify({ errors }),
    {
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
      },
    },
  ];
}

const isRefused = (value: unknown): value is Extract<SubscribeResult, { errors: unknown }> =>
  typeof value === 'object' && value !== null && 'errors' in value && 'status' in value;

/**
 * Writes `chunks` to `res` as they come, waiting for the socket to drain when it is full; when the client goes away,
 * returns the iterator at once (which takes the subscriber out of its group). Ends the response after the last one.
 */
export async function writeOut(
  res: Response,
  chunks: AsyncIterable<string>,
  map: (chunk: string) => string = (c) => c,
) {
  const iterator = chunks[Symbol.asyncIterator]();
  let gone = !res.writable;
  const onClose = () => {
    gone = true;
    void iterator.return?.();
  };
  res.once('close', onClose);
  try {
    while (!gone) {
      const item = await iterator.next();
      if (item.done || gone) break;
      if (!res.write(map(item.value))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    }
  } finally {
    res.off('close', onClose);
    if (!gone) res.end();
  }
}
