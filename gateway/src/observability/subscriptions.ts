/**
 * Live subscriptions by transport: each transport's subscribe goes through this wrapper, which counts a subscription
 * from the moment the engine opened its stream until the stream is released (ended, or closed by the client).
 */
import type { GatewayMetrics } from '../../../lib/metrics/index.js';
import type { SubscriptionEngine } from '../subscriptions/engine.js';

export type SubscriptionTransport = 'ws' | 'sse' | 'multipart';

/** What a transport needs of the engine. */
export type Subscriber = Pick<SubscriptionEngine, 'subscribe'>;

export function countedSubscriptions(
  engine: Subscriber,
  transport: SubscriptionTransport,
  gauge: GatewayMetrics['activeSubscriptions'] | undefined,
): Subscriber {
  if (!gauge) return engine;
  // Present from the start, so a dashboard shows 0 rather than no series.
  gauge.inc({ transport }, 0);
  return {
    async subscribe(session, params, direct) {
      const result = await engine.subscribe(session, params, direct);
      if ('stream' in result) {
        gauge.inc({ transport });
        result.stream.onReleased(() => gauge.dec({ transport }));
      }
      return result;
    },
  };
}
