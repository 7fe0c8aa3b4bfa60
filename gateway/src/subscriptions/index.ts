/**
 * Federated subscriptions (docs/architecture.md, "Federated subscriptions"): graphql-ws over a WebSocket
 * upgrade on the gateway's port, graphql-sse and multipart HTTP on /graphql, each event's entity fields
 * resolved through the gateway's query plan. This module owns the upgrade path of the gateway's HTTP
 * server. Until the subscription transports land, an upgrade to /graphql is answered with an explicit
 * 501 (so a client learns why) instead of falling through to the HTTP handlers.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';

export interface SubscriptionServer {
  /** Stops answering upgrades and closes live subscriptions. */
  close(): Promise<void>;
}

/** Takes over WebSocket upgrades of `server` on `path`. */
export function attachSubscriptions(server: http.Server, path = '/graphql'): SubscriptionServer {
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const status = url.pathname === path ? '501 Not Implemented' : '404 Not Found';
    const body = JSON.stringify({
      errors: [{ message: `WebSocket upgrade on ${url.pathname} is not served`, extensions: { code: 'BAD_REQUEST' } }],
    });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  server.on('upgrade', onUpgrade);
  return {
    async close() {
      server.off('upgrade', onUpgrade);
    },
  };
}
