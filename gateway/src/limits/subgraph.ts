/**
 * Limits on the gateway's own subgraph fetches: each one listens to its operation's deadline, and reads at most
 * maxSubgraphResponseBytes of the answer before parsing it, so one huge subgraph answer cannot fill the memory.
 *
 * RemoteGraphQLDataSource calls its `fetcher(url, init)` with no request context and builds `init` itself (its
 * sendRequest is private), so the deadline travels from `process` (which has the context) to the fetcher in an
 * AsyncLocalStorage: the one channel that needs no change to Apollo's code and no header smuggled through it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ErrorCode } from '../../../lib/errors/index.js';
import type { Deadline, LimitsContext } from './deadline.js';
import { limitError } from './errors.js';
import { DEFAULT_LIMITS, type GatewayLimits } from './options.js';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type DataSourceClass = new (...args: any[]) => RemoteGraphQLDataSource<any>;

const operationDeadline = new AsyncLocalStorage<Deadline | undefined>();

/**
 * Adds the limits to a data source class; the result takes the same constructor arguments:
 * `new (withSubgraphLimits(PassportDataSource, limits))(name, url, passport)`. The deadline is read from the
 * operation context's `deadline` (LimitsContext); requests without one (Apollo's own) have no time budget.
 */
export function withSubgraphLimits<T extends DataSourceClass>(
  Base: T,
  limits: Pick<GatewayLimits, 'maxSubgraphResponseBytes'> = DEFAULT_LIMITS,
): T {
  const fetcher = cappedFetcher(limits.maxSubgraphResponseBytes);
  return class LimitedDataSource extends Base {
    override fetcher = fetcher;

    override async process(options: GraphQLDataSourceProcessOptions<any>) {
      const deadline = (options.context as LimitsContext | undefined)?.deadline;
      // A plan's later fetches start after an earlier one timed out: refuse them without a round trip.
      deadline?.signal.throwIfAborted();
      return operationDeadline.run(deadline, () => super.process(options));
    }
  };
}

/** A fetcher on Node's fetch that honours the operation's deadline and buffers at most `maxBytes` of an answer. */
function cappedFetcher(maxBytes: number): Fetcher {
  return async (url, init) => {
    const signal = operationDeadline.getStore()?.signal;
    try {
      const response = await fetch(url, { ...init, signal });
      const capped = new Response(await readCapped(response, maxBytes), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      // RemoteGraphQLDataSource reports the URL of a failed response; a constructed Response has none.
      Object.defineProperty(capped, 'url', { value: response.url });
      return capped;
    } catch (error) {
      // Aborted fetches and body reads reject with an AbortError or the reason, depending on where they were.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  };
}

/** The whole body, refused as soon as its declared or counted length passes `maxBytes` (which stops the read). */
async function readCapped(response: Response, maxBytes: number): Promise<Buffer | null> {
  if (!response.body) return null;
  const tooLarge = (actual?: number) =>
    limitError(
      ErrorCode.SUBGRAPH_RESPONSE_TOO_LARGE,
      `A subgraph answered with more than ${maxBytes} bytes`,
      maxBytes,
      actual,
    );
  const declared = Number(response.headers.get('content-length') ?? undefined);
  if (declared > maxBytes) {
    await response.body.cancel();
    throw tooLarge(declared);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks);
}
