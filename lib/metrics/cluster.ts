/**
 * /metrics of a service that runs as several node:cluster workers sharing one port (the gateway with
 * GATEWAY_WORKERS): a scrape lands on any one worker, and that worker's own counters alone would jump between
 * workers from one scrape to the next (Prometheus reads that as counter resets). So the worker that is scraped asks
 * the primary, over the cluster's IPC channel, for the whole cluster's figures; the primary collects every worker's
 * registries with prom-client's AggregatorRegistry (counters and histograms summed, each default metric by its own
 * aggregator) and answers with the text.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'hubgraph:cluster-metrics-request';
const RESPONSE = 'hubgraph:cluster-metrics-response';
/** Longer than AggregatorRegistry's own 5 s wait for the workers. */
const TIMEOUT_MS = 6000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** In the primary: answers the workers' requests for the cluster's metrics. Call once, before forking. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const reply = (answer: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/**
 * In a worker: offers `registries` to the primary's collection, and returns what reads the whole cluster's metrics
 * text (through the primary).
 */
export function clusterMetricsText(registries: Registry[]): () => Promise<string> {
  // Constructing one installs prom-client's worker-side listener, which answers the primary with `registries`.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(registries);
  let nextId = 0;
  const pending = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();
  process.on('message', (message: unknown) => {
    if (!isMessage<MetricsResponse>(message, RESPONSE)) return;
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    if (message.error !== undefined) request.reject(new Error(`cluster metrics: ${message.error}`));
    else request.resolve(message.text ?? '');
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster metrics: the primary did not answer'));
      }, TIMEOUT_MS);
      timer.unref();
      pending.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      process.send!({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
