import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ANONYMOUS } from '../../lib/auth/viewer.js';
import { silentLogger } from '../../lib/testing/index.js';
import { UpstreamPool } from '../src/subscriptions/upstream.js';

/**
 * A subgraph that answers the WebSocket upgrade with plain HTTP (a proxy's error page, a 400) or drops it: the
 * gateway keeps retrying while someone listens, and a listener leaving during an attempt must not leave a rejected
 * promise behind (Node ends the process on an unhandled rejection).
 */
for (const [name, answer] of [
  ['400', (socket: Duplex) => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n')],
  [
    'an HTML page',
    (socket: Duplex) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\n\r\nhi'),
  ],
  ['a dropped socket', (socket: Duplex) => socket.destroy()],
] as const) {
  test(`a subgraph answering the subscription upgrade with ${name}: leaving and closing reject nothing`, async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const server = http.createServer((_req, res) => res.end());
    server.on('upgrade', (_req, socket) => answer(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const pool = new UpstreamPool({
      url: () => `http://127.0.0.1:${port}/graphql`,
      passport: { secret: 'x'.repeat(40), ttlSeconds: 60 },
      logger: silentLogger,
      retry: { baseMs: 5, maxMs: 20 },
    });
    try {
      const listener = { next: () => undefined, end: () => undefined };
      const scope = { key: 'anonymous', viewer: ANONYMOUS };
      // Leaves while the client retries, then again right after subscribing, and once with the pool closing.
      const first = pool.listen('locker', { query: 'subscription { a }', variables: {} }, scope, listener);
      await sleep(150);
      first();
      pool.listen('locker', { query: 'subscription { b }', variables: {} }, scope, listener)();
      pool.listen('locker', { query: 'subscription { c }', variables: {} }, scope, listener);
      await sleep(50);
      await pool.close();
      await sleep(100);
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
      server.closeAllConnections();
      server.close();
    }
  });
}
