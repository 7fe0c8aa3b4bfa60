/**
 * graphql-sse in its "distinct connections" mode: one subscription per request (`Accept: text/event-stream`, GET or
 * POST on /graphql), `Authorization` header as for queries. graphql-sse's handler runs the protocol (parameters,
 * `next` and `complete` events, keep-alive comments); this module writes its stream out. graphql-sse would serialize
 * each result itself, so `onNext` hands it a tiny placeholder, which the writer swaps for the group's pre-serialized
 * JSON. A failed subscription ends with a `next` event holding the errors, then `complete`.
 */
import type { Request, Response } from 'express';
import type { ExecutionResult } from 'graphql';
import { createHandler, type Request as SseRequest, type Response as SseResponse } from 'graphql-sse';
import type { SubscribeParams, SubscriptionEngine } from './engine.js';
import { resultIterator, type SubscriberStream } from './fanout.js';
import type { ClientSession } from './session.js';
import { refusal, writeOut, type OpenHttpSession } from './streams.js';

interface RequestState {
  session?: ClientSession;
  pending: Map<number, string>;
  seq: number;
}

const SLOT = '$hubgraph.serialized';
/** How graphql-sse prints a result's placeholder: `event: next\ndata: {"<SLOT>":n}\n\n`. */
const SLOT_PREFIX = `data: {${JSON.stringify(SLOT)}:`;

export function sseHandler(engine: Pick<SubscriptionEngine, 'subscribe'>, openSession: OpenHttpSession) {
  const handler = createHandler<Request, RequestState>({
    async onSubscribe(req, params): Promise<SseResponse | AsyncIterable<ExecutionResult>> {
      let session: ClientSession;
      try {
        session = await openSession(req.raw);
      } catch (error) {
        return refusal(error);
      }
      req.context.session = session;
      const result = await engine.subscribe(session, params as SubscribeParams);
      if ('errors' in result) {
        session.close();
        return refusal(result);
      }
      return results(result.stream);
    },
    onNext(_ctx, req, result) {
      const json = (result as unknown as { json: string }).json;
      const seq = ++req.context.seq;
      req.context.pending.set(seq, json);
      return { [SLOT]: seq } as ExecutionResult;
    },
  });

  return async (req: Request, res: Response) => {
    const state: RequestState = { pending: new Map(), seq: 0 };
    const request: SseRequest<Request, RequestState> = {
      method: req.method,
      url: req.originalUrl,
      headers: {
        // graphql-sse compares the whole Accept header with 'text/event-stream'; streams.ts chose this transport.
        get: (key) => (key === 'accept' ? 'text/event-stream' : (req.get(key) ?? null)),
      },
      body: (req.body as Record<string, unknown> | undefined) ?? null,
      raw: req,
      context: state,
    };
    try {
      const [body, init] = await handler(request);
      res.writeHead(init.status, init.statusText, init.headers as Record<string, string>);
      if (body === null || typeof body === 'string') return void res.end(body ?? undefined);
      await writeOut(res, body, (chunk) => swap(state, chunk));
    } finally {
      state.session?.close();
    }
  };
}

function swap(state: RequestState, chunk: string): string {
  const at = chunk.indexOf(SLOT_PREFIX);
  if (at < 0) return chunk;
  const end = chunk.indexOf('}', at);
  const seq = Number(chunk.slice(at + SLOT_PREFIX.length, end));
  const json = state.pending.get(seq);
  state.pending.delete(seq);
  return json === undefined ? chunk : `${chunk.slice(0, at)}data: ${json}${chunk.slice(end + 1)}`;
}

/** A subscriber's stream as graphql-sse iterates results; an end with errors is one last result holding them. */
function results(stream: SubscriberStream): AsyncIterableIterator<ExecutionResult> {
  return resultIterator(stream, (delivery) => {
    if (delivery.kind === 'next') return { value: delivery as unknown as ExecutionResult, done: false };
    if (!delivery.errors?.length) return { value: undefined, done: true };
    return { value: { json: JSON.stringify({ errors: delivery.errors }) } as ExecutionResult, done: false };
  });
}
