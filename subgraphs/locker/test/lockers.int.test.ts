/**
 * Fleet administration: a MASTER creates a locker (its hub asked of the hub subgraph, `locker.created` recorded), and
 * its device's reports are accepted at once; reservations held by an event handler reach subscribers after commit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createEvent, type EventMap } from '../../../lib/events/index.js';
import { OutboxEvent } from '../../../lib/events/outbox.js';
import { connectMqtt } from '../../../lib/infra/mqtt.js';
import { errorCode, startTestSubgraphs, type TestSubgraph } from '../../../lib/testing/index.js';
import { loadSubgraphs } from '../../../tools/subgraphs.js';
import { handlers } from '../src/events/index.js';
import { lockerTopic } from '../src/mqtt/topics.js';
import { subgraph as lockerSubgraph } from '../src/server.js';
import { channelLive, master, member, SEOUL_HUB, subscribe } from './helpers.js';
import { startTestBroker, type TestBroker } from './mosquitto.js';

let broker: TestBroker;
let close: (() => Promise<void>) | undefined;
let sg: TestSubgraph;

before(async () => {
  broker = await startTestBroker();
  const hubSubgraph = (await loadSubgraphs()).find((def) => def.name === 'hub')!;
  const started = await startTestSubgraphs([hubSubgraph, lockerSubgraph], {
    seed: true,
    mqtt: true,
    env: { MQTT_URL: broker.url },
  });
  close = started.close;
  sg = started.subgraphs.locker!;
});
after(async () => {
  await close?.();
  await broker?.close();
});

const create = (input: Record<string, unknown>, who = master) =>
  sg.request(
    'mutation($input: CreateLockerInput!) { createLocker(input: $input) { id name online compartments { index state } } }',
    { input: { name: 'Gangnam Tower', hubId: SEOUL_HUB, address: '서울 강남구 1', compartmentCount: 3, ...input } },
    who,
  );

test('a MASTER creates a locker with empty compartments; locker.created announces it', async () => {
  assert.equal(errorCode(await create({}, member)), 'FORBIDDEN');
  assert.equal((await create({ hubId: randomUUID() })).body.errors![0]!.extensions!.field, 'hubId');
  assert.equal((await create({ compartmentCount: 0 })).body.errors![0]!.extensions!.field, 'compartmentCount');
  const created = (await create({})).body.data!.createLocker;
  assert.equal(created.online, false);
  assert.deepEqual(
    created.compartments.map((c: { state: string }) => c.state),
    ['AVAILABLE', 'AVAILABLE', 'AVAILABLE'],
  );
  const [event] = await sg.db.orm.em.fork().find(OutboxEvent, { type: 'locker.created', key: created.id });
  assert.deepEqual(JSON.parse(event!.envelope).data, {
    lockerId: created.id,
    hubId: SEOUL_HUB,
    name: 'Gangnam Tower',
    address: '서울 강남구 1',
    compartmentCount: 3,
  });

  // Its device is known at once: a state for it is applied and announced.
  const watcher = await subscribe(
    sg.url,
    sg.config,
    member,
    'subscription($id: ID!) { lockerUpdated(lockerId: $id) { compartments { state } } }',
    {
      id: created.id,
    },
  );
  try {
    await channelLive(sg.config, `locker:${created.id}`);
    const device = await connectMqtt(broker.deviceUrl(created.id));
    const compartments = [1, 2, 3].map((index) => ({ index, door: 'CLOSED', occupied: index === 2, fault: null }));
    await device.publishAsync(lockerTopic(created.id, 'state'), JSON.stringify({ compartments, ts: Date.now() }), {
      qos: 1,
    });
    const update = (await watcher.nth(1)).data.lockerUpdated;
    assert.deepEqual(
      update.compartments.map((c: { state: string }) => c.state),
      ['AVAILABLE', 'OCCUPIED', 'AVAILABLE'],
    );

    // A reservation made by an event handler (inside the consumer's transaction) is announced after its commit.
    const orderId = randomUUID();
    const event = createEvent<EventMap & { 'order.created': object }, 'order.created'>(
      'order',
      'order.created',
      orderId,
      {
        orderId,
        destination: { kind: 'LOCKER', lockerId: created.id },
        createdBy: member.userId,
        createdAt: new Date().toISOString(),
      },
    );
    await sg.db.orm.em.fork().transactional((em) => handlers['order.created']!(event, em));
    const reserved = (await watcher.nth(2)).data.lockerUpdated;
    assert.deepEqual(
      reserved.compartments.map((c: { state: string }) => c.state),
      ['RESERVED', 'OCCUPIED', 'AVAILABLE'],
    );
    await device.endAsync(true);
  } finally {
    await watcher.close();
  }
});
