/**
 * Connections a process shares between its servers: Redis (or the in-memory stand-ins), the event transport and
 * MQTT.
 */
import type { Config } from '../config/index.js';
import { MemoryEventTransport, type EventTransport } from '../events/index.js';
import { RedisEventTransport } from '../events/redis.js';
import type { Logger } from '../logger/index.js';
import { createRateLimiter, type RateLimiter } from '../ratelimit/index.js';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from './kv.js';
import { MemoryPubSub, RedisPubSub, type PubSub } from './pubsub.js';
import { connectMqtt, type MqttClient } from './mqtt.js';
import { connectAtStartup, probeService, STARTUP_TIMEOUT_MS, type ServiceTarget } from './probe.js';

export interface Infra {
  kv: KeyValueStore;
  pubsub: PubSub;
  /** Rate limits and lockouts, counted where `kv` keeps its keys (lib/ratelimit). */
  rateLimiter: RateLimiter;
  /**
   * Events between subgraphs (lib/events): Redis Streams when REDIS_URL is set, else one in-process bus that every
   * subgraph of this process shares (embedded mode runs them all in one process).
   */
  events: EventTransport;
  /** Present when some server in this process needs MQTT. */
  mqtt?: MqttClient;
  close(): Promise<void>;
}

/** The broker URL in use: MQTT_URL, or the embedded broker's port on loopback. */
export function mqttUrl(config: Config): string {
  return 'url' in config.mqtt ? config.mqtt.url : `mqtt://127.0.0.1:${config.mqtt.embeddedPort}`;
}

/**
 * Connects Redis (or makes the in-memory stand-ins) and, when `mqttUrl` is given, an MQTT client.
 * A service that is down fails it within seconds with a ServiceUnavailableError naming the service, URL and variable.
 */
export async function createInfra(config: Config, options: { mqttUrl?: string; logger?: Logger }): Promise<Infra> {
  const onRedisError = (err: Error) => options.logger?.warn({ err }, 'Redis connection error (reconnecting)');
  const redis = config.redis;
  const redisTarget: ServiceTarget | undefined =
    'url' in redis ? { kind: 'redis', url: redis.url, variable: 'REDIS_URL' } : undefined;
  const mqttTarget: ServiceTarget | undefined = options.mqttUrl
    ? { kind: 'mqtt', url: options.mqttUrl, variable: 'url' in config.mqtt ? 'MQTT_URL' : 'EMBEDDED_MQTT_PORT' }
    : undefined;
  // Bounded probes first, both at once: mqtt.js retries a first connect for ever when the port accepts and
  // closes, and node-redis waits for ever on a server that never answers. The clients below keep their own
  // reconnect behaviour, which is what an established connection needs when a service restarts later.
  await Promise.all([redisTarget, mqttTarget].map((t) => t && probeService(t, STARTUP_TIMEOUT_MS)));
  const [kv, pubsub, events] = redisTarget
    ? await connectAtStartup(redisTarget, () =>
        Promise.all([
          RedisKeyValueStore.connect(redisTarget.url, redis.prefix, onRedisError),
          RedisPubSub.connect(redisTarget.url, redis.prefix, onRedisError),
          RedisEventTransport.connect(redisTarget.url, {
            prefix: redis.prefix,
            onError: onRedisError,
            logger: options.logger?.child({ component: 'events' }),
          }),
        ]),
      )
    : [new MemoryKeyValueStore(), new MemoryPubSub(), new MemoryEventTransport()];
  let mqtt: MqttClient | undefined;
  try {
    mqtt = mqttTarget
      ? await connectAtStartup(mqttTarget, () =>
          connectMqtt(mqttTarget.url, { clientId: `hubgraph-${process.pid}-${Date.now().toString(36)}` }),
        )
      : undefined;
  } catch (err) {
    // Left open, the Redis connections would keep the process (or a test file) alive after the failure.
    await Promise.allSettled([kv.close(), pubsub.close(), events.close()]);
    throw err;
  }
  return {
    kv,
    pubsub,
    rateLimiter: createRateLimiter(
      kv instanceof RedisKeyValueStore
        ? { kind: 'redis', client: kv.client, prefix: redis.prefix }
        : { kind: 'memory' },
    ),
    events,
    mqtt,
    async close() {
      await Promise.allSettled([kv.close(), pubsub.close(), events.close(), mqtt?.endAsync()]);
    },
  };
}
