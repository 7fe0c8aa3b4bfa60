/** The part of autocannon 8's programmatic API the gateway benchmark uses (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    setupClient?: (client: EventEmitter) => void;
  }
  interface AutocannonResult {
    requests: { total: number; average: number };
    latency: { p50: number; p90: number; p99: number; average: number; max: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  interface Instance extends EventEmitter {
    once(event: 'done', listener: (result: AutocannonResult) => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
  }
  interface TrackOptions {
    renderProgressBar?: boolean;
    renderResultsTable?: boolean;
    renderLatencyTable?: boolean;
  }
  function autocannon(options: Options): Instance;
  namespace autocannon {
    function track(instance: Instance, options?: TrackOptions): void;
    type Result = AutocannonResult;
  }
  export default autocannon;
  export type Result = AutocannonResult;
}
