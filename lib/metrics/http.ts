/**
 * GET /metrics for the gateway and every subgraph.
 *
 * Not open to the world by default: metrics name operations, subgraphs and error rates, which is reconnaissance
 * for an attacker. Unless METRICS_PUBLIC=true, /metrics answers only a client connected from this machine (the
 * socket's own address, never X-Forwarded-For) whose request came through no proxy (no `X-Forwarded-For` or
 * `Forwarded` header: a reverse proxy on the same machine would otherwise make every Internet client look local);
 * anyone else gets a 404, as if nothing were there. A Prometheus on the same host, or a sidecar, scrapes as is;
 * one elsewhere needs METRICS_PUBLIC=true and a network that keeps the ports private (docs/architecture.md,
 * "Observability").
 */
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { metricsText, type Registry } from './index.js';

export interface MetricsEndpointOptions {
  /** Serve every client, not only local ones (METRICS_PUBLIC). @default false */
  public?: boolean;
  /** Where the text comes from. @default this process's: `metricsText(registry)` (cluster.ts for several workers) */
  text?: () => Promise<string>;
}

/** Whether a socket address is this machine (IPv4 127/8, IPv6 ::1, or IPv4-mapped 127/8). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Whether `req` may read the metrics under `options`. */
export function mayReadMetrics(req: IncomingMessage, options: MetricsEndpointOptions = {}): boolean {
  if (options.public) return true;
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return !proxied && isLoopbackAddress(req.socket.remoteAddress);
}

/** The /metrics handler of one service's registry (plus the process's default metrics). */
export function metricsEndpoint(registry: Registry, options: MetricsEndpointOptions = {}): RequestHandler {
  const read = options.text ?? (() => metricsText(registry));
  return async (req, res, next) => {
    if (!mayReadMetrics(req, options)) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    try {
      const text = await read();
      res.setHeader('content-type', registry.contentType);
      res.setHeader('cache-control', 'no-store');
      res.send(text);
    } catch (err) {
      next(err);
    }
  };
}
