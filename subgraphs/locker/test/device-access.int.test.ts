/**
 * A device acts only for its own locker: over MQTT the broker's ACL (the repository's deploy/mosquitto/acl, on the
 * test's own Mosquitto with a password file) drops its publishes for another locker; over GraphQL its device key is
 * refused for another locker, and wrong keys are rate-limited. The device-key mutations have the effects of the
 * MQTT messages, and an ack posted over GraphQL settles a command.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectMqtt, type MqttClient } from '../../../lib/infra/mqtt.js';
import { errorCode, startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { Locker } from '../src/entities/locker.entity.js';
import { lockerModuleOf } from '../src/module.js';
import { lockerTopic } from '../src/mqtt/topics.js';
import { readDemoLockers } from '../src/seeders/DemoSeeder.js';
import { subgraph as lockerSubgraph } from '../src/server.js';
import { eventually, master, member } from './helpers.js';
import { startTestBroker, type TestBroker } from './mosquitto.js';

const [SONGPA, BUSAN, DAEJEON] = readDemoLockers();
const L = SONGPA!.id;
const B = BUSAN!.id;

let broker: TestBroker;
let sg: TestSubgraph;
let device: MqttClient;

before(async () => {
  broker = await startTestBroker({ devices: { [L]: 'songpa-secret', [B]: 'busan-secret' } });
  sg = await startTestSubgraph(lockerSubgraph, {
    seed: true,
    mqtt: true,
    env: { MQTT_URL: broker.url, LOCKER_COMMAND_TIMEOUT_MS: '3000' },
  });
  device = await connectMqtt(broker.deviceUrl(L), { clientId: `device-${L}` });
});
after(async () => {
  await device?.endAsync(true);
  await sg?.close();
  await broker?.close();
});

const revision = async (id: string) => (await sg.db.orm.em.fork().findOneOrFail(Locker, { id })).revision;
const snapshot = (lockerId: typeof SONGPA, occupied: boolean, ts = Date.now()) =>
  JSON.stringify({
    compartments: lockerId!.compartments.map((c) => ({ index: c.index, door: 'CLOSED', occupied, fault: null })),
    ts,
  });

test('the broker drops a device’s publishes for another locker; its own arrive', async () => {
  const stats = lockerModuleOf(sg.db.orm.em.fork()).stats;
  const busanBefore = await revision(B);
  const received = stats.received.state ?? 0;
  await device.publishAsync(lockerTopic(B, 'state'), snapshot(BUSAN, true), { qos: 1 });
  await device.publishAsync(lockerTopic(B, 'presence'), '"online"', { qos: 1 });
  await device.publishAsync(lockerTopic(L, 'state'), snapshot(SONGPA, true), { qos: 1 });
  await eventually(() => (stats.received.state ?? 0) === received + 1);
  await sleep(200);
  assert.equal(stats.received.state, received + 1, 'only its own state reached the platform');
  assert.equal(await revision(B), busanBefore, 'the other locker is untouched');
  await assert.rejects(connectMqtt(broker.deviceUrl(L).replace('songpa-secret', 'wrong'), { reconnectPeriod: 0 }));
});

const register = (lockerId: string, who = master) =>
  sg.request(
    'mutation($l: ID!) { registerLockerDevice(lockerId: $l) { id lockerId key createdAt } }',
    { l: lockerId },
    who,
  );
const reportState = (lockerId: string, deviceKey: string, occupied: boolean) =>
  sg.request(
    `mutation($l: ID!, $k: String!, $s: LockerStateInput!) {
      reportLockerState(lockerId: $l, deviceKey: $k, state: $s) { id compartments { index state } }
    }`,
    {
      l: lockerId,
      k: deviceKey,
      s: {
        compartments: [SONGPA, BUSAN, DAEJEON]
          .find((l) => l!.id === lockerId)!
          .compartments.map((c) => ({
            index: c.index,
            door: 'CLOSED',
            occupied,
          })),
        ts: Date.now(),
      },
    },
  );

test('a device key is shown once to MASTER and acts for its own locker only', async () => {
  assert.equal(errorCode(await register(L, member)), 'FORBIDDEN');
  const key = (await register(L)).body.data!.registerLockerDevice.key as string;
  assert.match(key, /^hgdk_/);

  const ok = await reportState(L, key, false);
  assert.equal(ok.body.errors, undefined);
  assert.ok(ok.body.data!.reportLockerState.compartments.every((c: { state: string }) => c.state === 'AVAILABLE'));

  const busanBefore = await revision(B);
  assert.equal(errorCode(await reportState(B, key, true)), 'UNAUTHENTICATED', 'not for another locker');
  assert.equal(await revision(B), busanBefore);

  // Registering again revokes the old key.
  const renewed = (await register(L)).body.data!.registerLockerDevice.key as string;
  assert.equal(errorCode(await reportState(L, key, true)), 'UNAUTHENTICATED');
  assert.equal((await reportState(L, renewed, false)).body.errors, undefined);
});

test('a gateway without MQTT polls its commands and acks over GraphQL; the command succeeds', async () => {
  const key = (await register(L)).body.data!.registerLockerDevice.key as string;
  const opening = sg.request(
    'mutation($l: ID!) { staffOpenCompartment(lockerId: $l, index: 2) { index state } }',
    { l: L },
    master,
  );
  const pending = await eventually(async () => {
    const r = await sg.request(
      'query($l: ID!, $k: String!) { lockerCommands(lockerId: $l, deviceKey: $k) { commandId type compartment expiresAt } }',
      { l: L, k: key },
    );
    return r.body.data?.lockerCommands[0] as { commandId: string; compartment: number } | undefined;
  });
  assert.equal(pending.compartment, 2);
  const ack = (commandId: string, lockerId = L, deviceKey = key) =>
    sg.request(
      'mutation($l: ID!, $k: String!, $a: LockerAckInput!) { ackLockerCommand(lockerId: $l, deviceKey: $k, ack: $a) }',
      { l: lockerId, k: deviceKey, a: { commandId, ok: true } },
    );
  assert.equal((await ack(pending.commandId)).body.data!.ackLockerCommand, true);
  assert.deepEqual((await opening).body.data!.staffOpenCompartment, { index: 2, state: 'OPEN' });
  assert.equal((await ack(pending.commandId)).body.data!.ackLockerCommand, false, 'a repeated ack is ignored');
});

test('wrong device keys for a locker are rate-limited', async () => {
  const D = DAEJEON!.id;
  for (let i = 0; i < 10; i++) assert.equal(errorCode(await reportState(D, 'hgdk_wrong', true)), 'UNAUTHENTICATED');
  const limited = await reportState(D, 'hgdk_wrong', true);
  assert.equal(errorCode(limited), 'RATE_LIMITED');
  assert.ok(Number(limited.body.errors![0]!.extensions!.retryAfterSeconds) > 0);
});
