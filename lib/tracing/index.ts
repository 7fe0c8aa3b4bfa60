/**
 * OpenTelemetry traces across the gateway and the subgraphs, exported over OTLP/HTTP when an endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT). Each HTTP request is a SERVER span that continues the caller's W3C `traceparent`;
 * each gateway → subgraph fetch is a CLIENT span whose `traceparent` the subgraph continues, so one trace runs from
 * the client through the gateway (with @apollo/gateway's own plan and execute spans) into every subgraph it asked.
 *
 * Without an endpoint nothing is registered: @opentelemetry/api then hands out no-op tracers and propagators, and
 * the middleware below costs a context switch per request.
 */
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { NextFunction, Request, Response } from 'express';

export interface Tracing {
  /** Exports what is buffered and stops; the process's tracers become no-ops again. */
  shutdown(): Promise<void>;
}

/**
 * Registers the process's tracer provider (one per process: the all-in-one launcher's services share it and are
 * told apart by their tracer's name). Does nothing without an endpoint.
 */
export function startTracing(endpoint: string | null, serviceName: string): Tracing {
  if (!endpoint) return { shutdown: async () => {} };
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  // The AsyncLocalStorage context manager and the W3C trace-context propagator, as the process's globals.
  provider.register();
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Express middleware: a SERVER span per request, continuing the caller's trace, current for the whole request. */
export function traceRequests(service: string) {
  const tracer = trace.getTracer(service);
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.baseUrl}${req.path}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.originalUrl.split('?')[0], service },
      },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}

/**
 * A CLIENT span around one call to another service, current while `call` runs: whatever sends the request writes
 * it into the request's headers with {@link injectTraceContext}.
 */
export async function traceCall<T>(service: string, name: string, call: () => Promise<T>): Promise<T> {
  const span = trace.getTracer(service).startSpan(name, { kind: SpanKind.CLIENT });
  try {
    return await context.with(trace.setSpan(context.active(), span), call);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/** Writes the current span's context (`traceparent`, `tracestate`) into outgoing headers. */
export function injectTraceContext(headers: { set(name: string, value: string): void }): void {
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}
