/**
 * graphql-ws (the graphql-transport-ws protocol) on the gateway's port: a WebSocket upgrade on /graphql. The access
 * token comes in `connectionParams.authorization` ("Bearer <token>"; Sandbox and GraphiQL send their headers there,
 * so `Authorization` is read too); a bad one closes the socket at connect with 4403 and the reason.
 *
 * graphql-ws's transport-agnostic `makeServer` runs the protocol (connection, subscribe, complete, errors) on a socket
 * this module owns. Results do not go through it: graphql-ws would stringify each result once per subscriber and
 * take several promises per subscriber and event. Each subscription gets a `direct` writer instead, which the group
 * calls with its one serialized result: the `next` message is that JSON with the subscription's id around it, written
 * at once. Measured with bench/fanout.bench.ts at 10,000 subscribers: results through graphql-ws (a placeholder
 * `onNext` result swapped for the JSON in `send`, so still one serialization) p99 ≈ 330 ms; written directly, ≈ 200 ms,
 * the rest being mostly the kernel's socket writes. Ordering holds: a `next` is written before graphql-ws can send
 * that subscription's `complete` or `error`, which come after its iterator ends, and none is written once the
 * iterator has been returned.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express, Request } from 'express';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../../lib/logger/index.js';
import type { SubscriptionEngine } from './engine.js';
import { resultIterator, type SubscriberStream } from './fanout.js';
import { publicError, type ClientSession } from './session.js';

export interface GraphqlWsOptions {
  /** The engine, or what stands for its `subscribe` (observability counts live subscriptions per transport). */
  engine: Pick<SubscriptionEngine, 'subscribe'>;
  /** Opens a session for a connection (token check); throws an UNAUTHENTICATED GraphQLError. */
  openSession(authorization: string | undefined, clientAddress: string | null): Promise<ClientSession>;
  /** The client's address, as express's `req.ip` gives it for HTTP requests. */
  clientAddress(req: http.IncomingMessage): string | null;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logger: Logger;
  /** Interval of pings to each client; a client that has not answered the previous one is dropped. @default 12000 ms */
  keepAliveMs?: number;
  /** Largest message a client may send. @default 1 MiB (the HTTP body limit) */
  maxPayloadBytes?: number;
}

/** What the server knows of one socket. */
interface Connection {
  socket: WebSocket;
  clientAddress: string | null;
  session?: ClientSession;
}

/**
 * Bytes a socket may have waiting to be written before its results are skipped: a client that does not read falls
 * behind (and loses updates, like a full queue in fanout.ts) instead of filling the gateway's memory.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Thrown through graphql-ws to end a subscription with errors (an `error` message): carries them formatted. */
class SubscriptionEnded extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors[0]?.message ?? 'Subscription ended');
  }
}

export interface GraphqlWsServer {
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection (1001 Going Away) and waits, at most `graceMs`, for them to go. */
  close(graceMs?: number): Promise<void>;
}

export function graphqlWsServer(options: GraphqlWsOptions): GraphqlWsServer {
  const { engine, logger, keepAliveMs = 12_000 } = options;
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols,
    maxPayload: options.maxPayloadBytes ?? 1024 * 1024,
    // Results are small JSON; compression would cost CPU per subscriber, the thing fan-out saves.
    perMessageDeflate: false,
  });

  const protocol = makeServer<Record<string, unknown> | undefined, Connection>({
    async onConnect(ctx) {
      const { socket, clientAddress } = ctx.extra;
      try {
        ctx.extra.session = await options.openSession(authorizationOf(ctx.connectionParams), clientAddress);
        return true;
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        // The reason tells the client why (a WebSocket close reason holds at most 123 bytes).
        socket.close(CloseCode.Forbidden, `${error.extensions.code}: ${error.message}`.slice(0, 123));
        return false;
      }
    },
    async onSubscribe(ctx, id, payload) {
      const result = await engine.subscribe(ctx.extra.session!, payload, nextWriter(ctx.extra.socket, id));
      if ('errors' in result) return result.errors;
      return {
        schema: result.schema,
        document: result.document,
        operationName: result.operationName,
        variableValues: payload.variables ?? undefined,
        contextValue: result.stream,
      };
    },
    subscribe: (args) => results(args.contextValue as SubscriberStream),
    onError(_ctx, _id, _payload, errors) {
      return errors
        .map((error) => {
          const original = error.originalError;
          if (original instanceof SubscriptionEnded) return original.errors;
          return [options.formatError(error.extensions.code ? publicError(error) : error.toJSON(), error)];
        })
        .flat();
    },
  });

  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    const connection: Connection = { socket, clientAddress: options.clientAddress(request) };
    let alive = true;
    socket.on('pong', () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, keepAliveMs).unref();
    socket.on('error', (err) => {
      logger.warn({ err }, 'graphql-ws socket error');
      socket.terminate();
    });
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            handle(data.toString()).catch((err: unknown) => {
              logger.error({ err }, 'graphql-ws message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      connection,
    );
    socket.once('close', (code: number, reason: Buffer) => {
      clearInterval(ping);
      connection.session?.close();
      // Returns every live subscription of the socket: each leaves its group at once.
      closed(code, reason.toString()).catch((err: unknown) => logger.error({ err }, 'graphql-ws close failed'));
    });
  });

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    async close(graceMs = 1000) {
      const sockets = [...wss.clients];
      const gone = Promise.all(sockets.map((s) => new Promise((resolve) => s.once('close', resolve))));
      for (const socket of sockets) socket.close(1001, 'Going away');
      const timer = setTimeout(() => sockets.forEach((s) => s.terminate()), graceMs).unref();
      await gone;
      clearTimeout(timer);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * The `next` messages of subscription `id`: the serialized result inside the message graphql-ws would have sent,
 * `{"id":…,"type":"next","payload":…}` (its own validation and serializer produce exactly this), written at once.
 */
export function nextWriter(socket: WebSocket, id: string): (json: string) => void {
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return (json) => {
    if (socket.readyState !== socket.OPEN || socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    socket.send(`${prefix}${json}}`);
  };
}

/**
 * A subscriber's stream as graphql-ws iterates it: results go through `direct` (nextWriter), so this only ends,
 * throwing the errors the stream ended with (an `error` message) or finishing (a `complete`).
 */
function results(stream: SubscriberStream): AsyncIterableIterator<ExecutionResult> {
  return resultIterator(stream, (delivery) => {
    if (delivery.kind === 'next') return { value: JSON.parse(delivery.json) as ExecutionResult, done: false };
    if (delivery.errors?.length) throw new SubscriptionEnded(delivery.errors);
    return { value: undefined, done: true };
  });
}

/** `authorization` from connectionParams, whatever its case (Sandbox and GraphiQL send `Authorization`). */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  for (const [key, value] of Object.entries(params)) {
    if (key.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * The client address of an upgrade request as express computes `req.ip` for HTTP requests (honouring the app's
 * `trust proxy`): an upgrade never reaches express, so its request is given express's request prototype.
 */
export function expressClientAddress(app: Express): (req: http.IncomingMessage) => string | null {
  return (req) => {
    const request = Object.create(app.request, {
      app: { value: app },
      headers: { value: req.headers },
      socket: { value: req.socket },
      connection: { value: req.socket },
    }) as Request;
    return request.ip ?? null;
  };
}
