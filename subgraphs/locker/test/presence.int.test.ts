/** Device presence over the real Mosquitto reaches Locker.online. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectMqtt, type MqttClient } from '../../../lib/infra/mqtt.js';
import { readDemoLockers } from '../src/seeders/DemoSeeder.js';
import { startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { lockerTopic } from '../src/mqtt/topics.js';
import { subgraph as lockerSubgraph } from '../src/server.js';

const LOCKER = readDemoLockers()[0]!.id;
const viewer = {
  kind: 'user',
  userId: 'u',
  role: 'MEMBER',
  hubId: null,
  firmId: null,
  sessionId: null,
  tokenVersion: 0,
} as const;
let sg: TestSubgraph;
let device: MqttClient;

before(async () => {
  sg = await startTestSubgraph(lockerSubgraph, { seed: true, mqtt: true });
  const url = 'url' in sg.config.mqtt ? sg.config.mqtt.url : '';
  // A device announces itself and leaves a retained "offline" as its last will.
  device = await connectMqtt(url, {
    clientId: `test-device-${Date.now()}`,
    will: { topic: lockerTopic(LOCKER, 'presence'), payload: Buffer.from('"offline"'), qos: 1, retain: false },
  });
});
after(async () => {
  await device?.endAsync(true);
  await sg?.close();
});

async function online(): Promise<boolean> {
  const r = await sg.request('query($id: ID!) { locker(id: $id) { online } }', { id: LOCKER }, viewer);
  return r.body.data!.locker.online;
}

async function eventually(expected: boolean) {
  for (let i = 0; i < 100 && (await online()) !== expected; i++) await sleep(30);
  assert.equal(await online(), expected);
}

test('a device publishing "online" marks its locker online; its last will marks it offline', async () => {
  assert.equal(await online(), false);
  await device.publishAsync(lockerTopic(LOCKER, 'presence'), '"online"', { qos: 1 });
  await eventually(true);
  // Simulate a dropped connection: the broker publishes the will.
  device.stream.destroy();
  await eventually(false);
});
