/**
 * The MQTT bridge on a real Mosquitto (the test's own), Redis and MariaDB: device state and events reach the
 * database and `lockerUpdated` subscribers; duplicates and stale reports change nothing; bad input is counted and
 * dropped without a state change; after a broker restart the bridge resubscribes and messages flow again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { connectMqtt, type MqttClient } from '../../../lib/infra/mqtt.js';
import { startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { lockerModuleOf } from '../src/module.js';
import { lockerTopic } from '../src/mqtt/topics.js';
import { MAX_PAYLOAD_BYTES } from '../src/mqtt/wire.js';
import { readDemoLockers } from '../src/seeders/DemoSeeder.js';
import { subgraph as lockerSubgraph } from '../src/server.js';
import { channelLive, eventually, member, subscribe, type Subscriber } from './helpers.js';
import { startTestBroker, type TestBroker } from './mosquitto.js';

const [SONGPA, BUSAN] = readDemoLockers();
const L = SONGPA!.id;
const LOCKER_QUERY = `subscription($id: ID!) {
  lockerUpdated(lockerId: $id) { id online reportedAt compartments { index state doorOpen occupied fault } }
}`;
type Update = {
  lockerUpdated: {
    online: boolean;
    reportedAt: string;
    compartments: { index: number; state: string; fault: string | null }[];
  };
};

let broker: TestBroker;
let sg: TestSubgraph;
let device: MqttClient;
let watcher: Subscriber<Update>;

const state = (ts: number, overrides: Record<number, object> = {}) =>
  JSON.stringify({
    compartments: SONGPA!.compartments.map((c) => ({
      index: c.index,
      door: 'CLOSED',
      occupied: false,
      fault: null,
      ...overrides[c.index],
    })),
    ts,
  });
const publish = (topic: string, payload: string | Buffer, retain = false) =>
  device.publishAsync(topic, payload, { qos: 1, retain });
const stats = () => lockerModuleOf(sg.db.orm.em.fork()).stats;
const revision = async (lockerId = L) => {
  const { Locker } = await import('../src/entities/locker.entity.js');
  return (await sg.db.orm.em.fork().findOneOrFail(Locker, { id: lockerId })).revision;
};

before(async () => {
  broker = await startTestBroker();
  sg = await startTestSubgraph(lockerSubgraph, { seed: true, mqtt: true, env: { MQTT_URL: broker.url } });
  device = await connectMqtt(broker.deviceUrl(L), { clientId: `device-${L}`, reconnectPeriod: 100 });
  watcher = await subscribe<Update>(sg.url, sg.config, member, LOCKER_QUERY, { id: L });
  await channelLive(sg.config, `locker:${L}`);
});
after(async () => {
  await watcher?.close();
  await device?.endAsync(true);
  await sg?.close();
  await broker?.close();
});

test('a device publishes state → lockerUpdated subscribers receive it, and it is stored', async () => {
  const ts = Date.now();
  await publish(
    lockerTopic(L, 'state'),
    state(ts, { 1: { door: 'OPEN' }, 2: { occupied: true }, 3: { fault: 'LOCK_JAMMED' } }),
    true,
  );
  const update = (await watcher.nth(1)).data!.lockerUpdated;
  assert.equal(update.reportedAt, new Date(ts).toISOString());
  assert.deepEqual(
    update.compartments.map((c) => c.state),
    ['OPEN', 'OCCUPIED', 'FAULT', 'AVAILABLE', 'AVAILABLE', 'AVAILABLE'],
  );
  const stored = await sg.request(
    'query($id: ID!) { locker(id: $id) { compartments { state fault } } }',
    { id: L },
    member,
  );
  assert.equal(stored.body.data!.locker.compartments[2].fault, 'LOCK_JAMMED');
});

test('an event changes its compartment; a duplicate (same type, compartment, ts) and an older report change nothing', async () => {
  const before = watcher.results.length;
  const ts = Date.now() + 1;
  const event = JSON.stringify({ type: 'DOOR_CLOSED', compartment: 1, ts });
  await publish(lockerTopic(L, 'events'), event);
  const update = (await watcher.nth(before + 1)).data!.lockerUpdated;
  assert.equal(update.compartments[0]!.state, 'AVAILABLE');
  const rev = await revision();

  await publish(lockerTopic(L, 'events'), event); // QoS 1 redelivery
  await publish(lockerTopic(L, 'state'), state(ts - 1000, { 1: { door: 'OPEN' } })); // late, older snapshot
  await eventually(() => stats().received.events! >= 2 && lockerModuleOf(sg.db.orm.em.fork()).ingest.backlog === 0);
  await sleep(200);
  assert.equal(await revision(), rev, 'no write');
  assert.equal(watcher.results.length, before + 1, 'no further update');
});

test('bad input is counted and dropped: never a crash, never a state change', async () => {
  const rev = await revision();
  const baseline = { ...stats().dropped };
  const unknown = randomUUID();
  const ts = Date.now() + 2;
  const cases: [string, string | Buffer, string][] = [
    [lockerTopic(L, 'state'), '{"compartments": [', 'malformed'],
    [lockerTopic(L, 'events'), JSON.stringify({ type: 'EXPLODED', compartment: 1, ts }), 'malformed'],
    [lockerTopic(L, 'presence'), '"sleepy"', 'malformed'],
    [lockerTopic(L, 'state'), Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), 'oversized'],
    [lockerTopic(unknown, 'state'), state(ts), 'unknown_locker'],
    [lockerTopic(L, 'events'), JSON.stringify({ type: 'DOOR_OPENED', compartment: 99, ts }), 'out_of_range'],
    [lockerTopic(L, 'state'), state(ts, {}).replace('"index":6', '"index":7'), 'out_of_range'],
    [lockerTopic(L, 'events'), JSON.stringify({ type: 'DOOR_OPENED', compartment: 1, ts: ts + 3600_000 }), 'bad_time'],
    [lockerTopic(L, 'acks'), JSON.stringify({ commandId: randomUUID(), ok: true }), 'unknown_command'],
    [lockerTopic(L, 'acks'), '{"commandId": 12}', 'malformed'],
  ];
  for (const [topic, payload] of cases) await publish(topic, payload);
  const expected: Record<string, number> = {};
  for (const [, , reason] of cases) expected[reason] = (expected[reason] ?? 0) + 1;
  await eventually(() =>
    Object.entries(expected).every(
      ([reason, n]) =>
        (stats().dropped as Record<string, number>)[reason]! - ((baseline as Record<string, number>)[reason] ?? 0) >= n,
    ),
  );
  assert.equal(await revision(), rev, 'nothing written');
  // Still serving, and still applying good messages.
  await publish(lockerTopic(L, 'events'), JSON.stringify({ type: 'DOOR_OPENED', compartment: 4, ts }));
  await eventually(async () => (await revision()) > rev);
});

test('a replayed ack (its command already settled) is dropped as replayed', async () => {
  // An ack the platform already settled: settle one through the service, then replay it over MQTT.
  const { LockerCommand } = await import('../src/entities/locker-command.entity.js');
  const em = sg.db.orm.em.fork();
  const commandId = randomUUID();
  em.create(LockerCommand, {
    id: commandId,
    lockerId: L,
    type: 'OPEN',
    compartmentIndex: 5,
    purpose: 'STAFF',
    actorId: null,
    status: 'SUCCEEDED',
    expiresAt: new Date(Date.now() + 60_000),
    createdAt: new Date(),
    settledAt: new Date(),
  });
  await em.flush();
  const replayed = stats().dropped.replayed_ack ?? 0;
  await publish(lockerTopic(L, 'acks'), JSON.stringify({ commandId, ok: true }));
  await eventually(() => (stats().dropped.replayed_ack ?? 0) === replayed + 1);
});

test('presence and the last will reach subscribers; hub dashboards get their hub’s lockers', async () => {
  const busan = BUSAN!.id;
  const hubWatcher = await subscribe<{ hubLockersUpdated: { id: string; online: boolean } }>(
    sg.url,
    sg.config,
    member,
    'subscription($hub: ID!) { hubLockersUpdated(hubId: $hub) { id online } }',
    { hub: BUSAN!.hubId },
  );
  try {
    await channelLive(sg.config, `hubLockers:${BUSAN!.hubId}`);
    const busanDevice = await connectMqtt(broker.deviceUrl(busan), {
      clientId: `device-${busan}`,
      will: { topic: lockerTopic(busan, 'presence'), payload: Buffer.from('"offline"'), qos: 1, retain: true },
    });
    await busanDevice.publishAsync(lockerTopic(busan, 'presence'), '"online"', { qos: 1, retain: true });
    assert.deepEqual((await hubWatcher.nth(1)).data!.hubLockersUpdated, { id: busan, online: true });
    busanDevice.stream.destroy(); // a dropped connection: the broker publishes the will
    assert.deepEqual((await hubWatcher.nth(2)).data!.hubLockersUpdated, { id: busan, online: false });
    await busanDevice.endAsync(true);
  } finally {
    await hubWatcher.close();
  }
});

test('after a broker restart the bridge resubscribes and device messages flow again', async () => {
  const before = watcher.results.length;
  await broker.stop();
  await sleep(300);
  await broker.start();
  // The device reconnects on its own (mqtt.js); wait until the platform has resubscribed too.
  await eventually(() => device.connected);
  await eventually(async () => {
    await publish(lockerTopic(L, 'state'), state(Date.now(), { 6: { occupied: true } }), true);
    return watcher.results.length > before;
  }, 15_000);
  const last = watcher.results.at(-1)!.data!.lockerUpdated;
  assert.equal(last.compartments[5]!.state, 'OCCUPIED');
});
