/**
 * Apollo's multipart HTTP protocol for subscriptions, as Apollo Client and Sandbox speak it: a POST (or GET) on
 * /graphql with `Accept: multipart/mixed;subscriptionSpec="1.0"`, answered by one long `multipart/mixed` response
 * whose parts are JSON: `{}` heartbeats (one at once, then every `heartbeatMs`), `{"payload": <result>}` per event,
 * and `{"payload": null, "errors": […]}` when the subscription ends on an error (an expired token, a supergraph
 * change), before the closing boundary. Refusals before the stream starts are ordinary JSON responses with a status.
 */
import type { Request, Response } from 'express';
import { requestParams } from '../limits/http.js';
import type { SubscriptionEngine } from './engine.js';
import type { Delivery, SubscriberStream } from './fanout.js';
import { refusal, writeOut, type OpenHttpSession } from './streams.js';

/**
 * Every part is written with the boundary that ends it, as the Router does: a client splits parts on boundaries, so
 * a part whose closing boundary waited for the next write would reach it only with the next heartbeat. The body is
 * `BOUNDARY (PART BOUNDARY)* CLOSE`, a well-formed multipart body whose close delimiter is `BOUNDARY--`.
 */
const BOUNDARY = '\r\n--graphql';
const part = (json: string) => `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${json}${BOUNDARY}`;
const HEARTBEAT = part('{}');
const CLOSE = '--\r\n';

export function multipartHandler(
  engine: Pick<SubscriptionEngine, 'subscribe'>,
  openSession: OpenHttpSession,
  heartbeatMs = 5000,
) {
  return async (req: Request, res: Response) => {
    let session;
    try {
      session = await openSession(req);
    } catch (error) {
      return answer(res, refusal(error));
    }
    try {
      const result = await engine.subscribe(session, requestParams(req));
      if ('errors' in result) return answer(res, refusal(result));
      res.writeHead(200, {
        'content-type': 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
        'cache-control': 'no-cache, no-store',
        // Proxies that buffer (nginx) would hold the parts back.
        'x-accel-buffering': 'no',
      });
      // The first heartbeat at once: it sends the headers, and tells the client the subscription is live.
      res.write(BOUNDARY + HEARTBEAT);
      const heartbeat = setInterval(() => res.writable && res.write(HEARTBEAT), heartbeatMs).unref();
      try {
        await writeOut(res, parts(result.stream));
      } finally {
        clearInterval(heartbeat);
      }
    } finally {
      session.close();
    }
  };
}

function answer(res: Response, [body, init]: ReturnType<typeof refusal>) {
  res.writeHead(init.status, init.headers).end(body);
}

/** The multipart body of one subscriber's stream; `return()` goes straight to the stream (see sse.ts). */
function parts(stream: SubscriberStream): AsyncIterableIterator<string> {
  let closed = false;
  const write = (delivery: Delivery): string => {
    if (delivery.kind === 'next') return part(`{"payload":${delivery.json}}`);
    closed = true;
    const errors = delivery.errors?.length ? part(`{"payload":null,"errors":${JSON.stringify(delivery.errors)}}`) : '';
    return errors + CLOSE;
  };
  const iterator: AsyncIterableIterator<string> = {
    async next() {
      if (closed) return { value: undefined, done: true };
      const item = await stream.next();
      if (item.done) {
        closed = true;
        return { value: CLOSE, done: false };
      }
      return { value: write(item.value), done: false };
    },
    return: async () => {
      closed = true;
      await stream.return();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
