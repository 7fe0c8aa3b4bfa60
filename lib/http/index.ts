/** HTTP plumbing shared by the gateway and every subgraph. */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';

export interface Listening {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port) and returns the base URL. */
export async function listen(
  app: Express | http.RequestListener,
  port: number,
  host = '127.0.0.1',
): Promise<Listening> {
  const server = http.createServer(app);
  server.listen(port, host);
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    async close() {
      server.closeIdleConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets of finished requests would hold close() open for seconds.
      setTimeout(() => server.closeAllConnections(), 1000).unref();
      await closed;
    },
  };
}

/** JSON body parsing whose failures still answer in GraphQL's error shape, with a stable code. */
export function jsonBody() {
  return express.json({ limit: '1mb' });
}

export const graphqlShapedErrors: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
  const message = status === 500 ? 'Internal server error' : `Bad request: ${err.type ?? err.message}`;
  res
    .status(status)
    .json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
};
