/**
 * MQTT connection helpers: a client for the configured broker, and the in-process aedes broker the
 * embedded mode runs on 127.0.0.1:1884 (so it never clashes with a local Mosquitto on 1883).
 */
import net from 'node:net';
import { once } from 'node:events';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { Aedes } from 'aedes';

export type { MqttClient };

export async function connectMqtt(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 1000, connectTimeout: 5000, ...options });
}

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

/** Starts aedes on host:port (port 0 picks a free one). */
export async function startEmbeddedBroker(port: number, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as net.AddressInfo;
  return {
    url: `mqtt://${host}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
