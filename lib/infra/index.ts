/**
 * Connections a process shares between its servers: Redis (or the in-memory stand-ins) and MQTT.
 */
import type { Config } from '../config/index.js';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from './kv.js';
import { MemoryPubSub, RedisPubSub, type PubSub } from './pubsub.js';
import { connectMqtt, type MqttClient } from './mqtt.js';

export interface Infra {
  kv: KeyValueStore;
  pubsub: PubSub;
  /** Present when some server in this process needs MQTT. */
  mqtt?: MqttClient;
  close(): Promise<void>;
}

/** The broker URL in use: MQTT_URL, or the embedded broker's port on loopback. */
export function mqttUrl(config: Config): string {
  return 'url' in config.mqtt ? config.mqtt.url : `mqtt://127.0.0.1:${config.mqtt.embeddedPort}`;
}

/** Connects Redis (or makes the in-memory stand-ins) and, when `mqttUrl` is given, an MQTT client. */
export async function createInfra(config: Config, options: { mqttUrl?: string }): Promise<Infra> {
  const redis = config.redis;
  const [kv, pubsub] =
    'url' in redis
      ? await Promise.all([RedisKeyValueStore.connect(redis.url, redis.prefix), RedisPubSub.connect(redis.url, redis.prefix)])
      : [new MemoryKeyValueStore(), new MemoryPubSub()];
  const mqtt = options.mqttUrl
    ? await connectMqtt(options.mqttUrl, { clientId: `hubgraph-${process.pid}-${Date.now().toString(36)}` })
    : undefined;
  return {
    kv,
    pubsub,
    mqtt,
    async close() {
      await Promise.allSettled([kv.close(), pubsub.close(), mqtt?.endAsync()]);
    },
  };
}
