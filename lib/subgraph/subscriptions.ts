/**
 * A subgraph's own Subscription fields, served over graphql-ws on its `/graphql` path. Only the gateway talks to
 * it (docs/architecture.md §9): the connection carries the gateway's passport for this subgraph in
 * `connectionParams.passport`, checked once at connect; without a valid one the socket closes with 4403.
 *
 * Each event is executed with a fresh context (its own EntityManager fork and DataLoaders), as an HTTP request
 * would be: a subscription that lives for hours must not serve events from an identity map filled hours ago.
 * Errors are formatted by the same formatter as queries, so internals stay masked.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Passport } from '../auth/tokens.js';

export interface SubscriptionServerOptions {
  schema: GraphQLSchema;
  /** Verifies the passport in `connectionParams.passport`; throws to refuse the connection. */
  verifyPassport(token: string | undefined): Promise<Passport>;
  /** A fresh operation context (EntityManager fork, loaders, services) for one event of `passport`'s viewer. */
  createContext(passport: Passport): unknown;
  /** The same formatting (masking) as the HTTP path. */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  path?: string;
}

export interface SubgraphSubscriptionServer {
  /** Closes every live subscription and stops answering upgrades. */
  close(): Promise<void>;
}

/** Takes over WebSocket upgrades on `path` of `server` for graphql-ws. */
export function serveSubscriptions(
  server: http.Server,
  options: SubscriptionServerOptions,
): SubgraphSubscriptionServer {
  const path = options.path ?? '/graphql';
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://subgraph').pathname !== path) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const passports = new WeakMap<object, Passport>();
  const disposer = useServer(
    {
      schema: options.schema,
      async onConnect(ctx) {
        const token = (ctx.connectionParams as { passport?: unknown } | undefined)?.passport;
        try {
          passports.set(ctx, await options.verifyPassport(typeof token === 'string' ? token : undefined));
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      context: (ctx) => ({ passport: passports.get(ctx)! }),
      subscribe: (args) => subscribeWithFreshContexts(args, options.createContext),
      onNext: (_ctx, _id, _payload, _args, result) => format(result, options.formatError),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => options.formatError(e.toJSON(), e)),
    },
    wss,
  );

  // Idempotent: the boot's undo and the server's stop may both close it. graphql-ws's dispose closes every client
  // socket and the WebSocket server itself.
  let closed: Promise<void> | undefined;
  return {
    close() {
      server.off('upgrade', onUpgrade);
      return (closed ??= Promise.resolve(disposer.dispose()));
    },
  };
}

function format(result: ExecutionResult, formatError: SubscriptionServerOptions['formatError']) {
  if (!result.errors?.length) return undefined; // unchanged
  return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
}

/**
 * graphql-js's subscribe, except that every event is executed with a new context: the source stream is created
 * once (with the connection's context, which holds the passport), then each payload runs `execute` with
 * `createContext(passport)`. `return()` goes straight to the source, so unsubscribing closes it at once.
 */
async function subscribeWithFreshContexts(
  args: ExecutionArgs,
  createContext: (passport: Passport) => unknown,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const { passport } = args.contextValue as { passport: Passport };
  const source = await createSourceEventStream({ ...args, contextValue: createContext(passport) });
  if (!(Symbol.asyncIterator in source)) return source;
  const events = source as AsyncIterableIterator<unknown>;
  const run = (payload: unknown) =>
    execute({ ...args, rootValue: payload, contextValue: createContext(passport) }) as Promise<ExecutionResult>;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const event = await events.next();
      return event.done ? { value: undefined, done: true } : { value: await run(event.value), done: false };
    },
    async return() {
      await events.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
