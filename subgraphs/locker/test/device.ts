/** A scripted locker device for tests: publishes reports and answers commands as told. */
import { connectMqtt, type MqttClient } from '../../../lib/infra/mqtt.js';
import { lockerTopic } from '../src/mqtt/topics.js';

export type AckMode = 'ok' | 'refuse' | 'silent';

export interface TestDevice {
  client: MqttClient;
  /** Commands received, in order. */
  commands: { commandId: string; type: string; compartment: number; expiresAt: number }[];
  /** How the next commands are answered. */
  mode: AckMode;
  event(type: string, compartment: number, ts?: number): Promise<void>;
  close(): Promise<void>;
}

export async function connectDevice(url: string, lockerId: string): Promise<TestDevice> {
  const client = await connectMqtt(url, { clientId: `device-${lockerId}-${Date.now()}` });
  const device: TestDevice = {
    client,
    commands: [],
    mode: 'ok',
    async event(type, compartment, ts = Date.now()) {
      await client.publishAsync(lockerTopic(lockerId, 'events'), JSON.stringify({ type, compartment, ts }), { qos: 1 });
    },
    async close() {
      await client.endAsync(true);
    },
  };
  client.on('message', (_topic, payload) => {
    const command = JSON.parse(payload.toString()) as TestDevice['commands'][number];
    device.commands.push(command);
    if (device.mode === 'silent') return;
    const ack =
      device.mode === 'ok'
        ? { commandId: command.commandId, ok: true }
        : { commandId: command.commandId, ok: false, error: 'COMPARTMENT_FAULT' };
    void client
      .publishAsync(lockerTopic(lockerId, 'acks'), JSON.stringify(ack), { qos: 1 })
      .then(() => (device.mode === 'ok' ? device.event('DOOR_OPENED', command.compartment) : undefined));
  });
  await client.subscribeAsync(lockerTopic(lockerId, 'commands'), { qos: 1 });
  return device;
}
