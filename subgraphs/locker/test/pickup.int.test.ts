/**
 * Reservation → deposit → codes → open → pickup, on a real Mosquitto (the test's own), Redis and MariaDB, with a
 * scripted device answering commands: the codes are shown once to the recipient; an OPEN without an ack is
 * DEVICE_TIMEOUT and changes nothing; a refused one changes nothing; an acknowledged one uses the code up; the door
 * closing on the emptied compartment completes the pickup; wrong codes lock the guesser out; staff open by role.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createEvent, type EventMap } from '../../../lib/events/index.js';
import { OutboxEvent } from '../../../lib/events/outbox.js';
import { errorCode, startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { LockerCommand } from '../src/entities/locker-command.entity.js';
import { Reservation } from '../src/entities/reservation.entity.js';
import { handlers } from '../src/events/index.js';
import { lockerTopic } from '../src/mqtt/topics.js';
import { readDemoLockers } from '../src/seeders/DemoSeeder.js';
import { subgraph as lockerSubgraph } from '../src/server.js';
import { connectDevice, type TestDevice } from './device.js';
import { eventually, member, OTHER_HUB, SEOUL_HUB, viewer } from './helpers.js';
import { startTestBroker, type TestBroker } from './mosquitto.js';

const SONGPA = readDemoLockers()[0]!;
const L = SONGPA.id;
const guesser = viewer('MEMBER', '0190f000-0000-7000-8000-0001000000aa');

let broker: TestBroker;
let sg: TestSubgraph;
let device: TestDevice;

before(async () => {
  broker = await startTestBroker();
  sg = await startTestSubgraph(lockerSubgraph, {
    seed: true,
    mqtt: true,
    env: { MQTT_URL: broker.url, LOCKER_COMMAND_TIMEOUT_MS: '1000' },
  });
  device = await connectDevice(broker.deviceUrl(L), L);
});
after(async () => {
  await device?.close();
  await sg?.close();
  await broker?.close();
});

type OrderEvents = EventMap & { 'order.created': object; 'order.cancelled': object };

/** An order for the locker, placed by `recipient`, as the order subgraph announces it; returns its reservation. */
async function reserveForOrder(recipient = member.userId): Promise<Reservation> {
  const orderId = randomUUID();
  const event = createEvent<OrderEvents, 'order.created'>('order', 'order.created', orderId, {
    orderId,
    destination: { kind: 'LOCKER', lockerId: L },
    createdBy: recipient,
    createdAt: new Date().toISOString(),
  });
  await sg.db.orm.em.fork().transactional((em) => handlers['order.created']!(event, em));
  return sg.db.orm.em.fork().findOneOrFail(Reservation, { orderId });
}

const reservationStatus = async (id: string) => (await sg.db.orm.em.fork().findOneOrFail(Reservation, { id })).status;

async function deposit(reservation: Reservation) {
  await device.event('DEPOSITED', reservation.compartmentIndex);
  await eventually(async () => (await reservationStatus(reservation.id)) === 'DEPOSITED');
}

const open = (code: string, who = member) =>
  sg.request(
    'mutation($l: ID!, $c: String!) { openCompartment(lockerId: $l, code: $c) { index state } }',
    { l: L, c: code },
    who,
  );
const reveal = (reservationId: string, who = member) =>
  sg.request(
    'mutation($r: ID!) { revealPickupCode(reservationId: $r) { pin qrToken expiresAt reservation { status } } }',
    { r: reservationId },
    who,
  );
const outbox = async (type: string) =>
  (await sg.db.orm.em.fork().find(OutboxEvent, { type })).map((row) => JSON.parse(row.envelope).data);

test('an order for the locker holds a compartment; the deposit issues codes its recipient reads once', async () => {
  const reservation = await reserveForOrder();
  assert.equal(reservation.status, 'ACTIVE');
  const created = (await outbox('reservation.created')).find((d) => d.reservationId === reservation.id);
  assert.equal(created.compartmentIndex, reservation.compartmentIndex);

  const mine = await sg.request('{ myReservations { id status compartmentIndex pickupCodeWaiting } }', {}, member);
  assert.equal(mine.body.data!.myReservations[0].status, 'ACTIVE');

  await deposit(reservation);
  const deposited = (await outbox('reservation.deposited')).find((d) => d.reservationId === reservation.id);
  assert.ok(deposited.depositedAt);
  assert.equal(JSON.stringify(deposited).match(/pin|qr/i), null, 'no code in the event');

  assert.equal(errorCode(await reveal(reservation.id, guesser)), 'FORBIDDEN');
  const first = (await reveal(reservation.id)).body.data!.revealPickupCode;
  assert.match(first.pin, /^\d{6}$/);
  assert.equal(first.reservation.status, 'DEPOSITED');
  const waiting = await sg.request(
    'query($id: ID!) { reservation(id: $id) { pickupCodeWaiting } }',
    { id: reservation.id },
    member,
  );
  assert.equal(waiting.body.data!.reservation.pickupCodeWaiting, false, 'read once');
  // Asked again, the recipient gets new codes; the first ones stop working.
  const second = (await reveal(reservation.id)).body.data!.revealPickupCode;
  assert.notEqual(second.qrToken, first.qrToken);
  assert.equal(errorCode(await open(first.qrToken)), 'INVALID_PICKUP_CODE');
});

test('an OPEN without an ack is DEVICE_TIMEOUT and changes nothing; a refused one neither; an acked one uses the code up', async () => {
  const reservation = await reserveForOrder();
  await deposit(reservation);
  const { pin, qrToken } = (await reveal(reservation.id)).body.data!.revealPickupCode;
  const before = await sg.request(
    'query($id: ID!) { locker(id: $id) { compartments { index state } } }',
    { id: L },
    member,
  );

  device.mode = 'silent';
  const timedOut = await open(pin);
  assert.equal(errorCode(timedOut), 'DEVICE_TIMEOUT');
  const command = await sg.db.orm.em.fork().findOneOrFail(LockerCommand, { reservationId: reservation.id });
  assert.equal(command.status, 'TIMED_OUT');
  const after = await sg.request(
    'query($id: ID!) { locker(id: $id) { compartments { index state } } }',
    { id: L },
    member,
  );
  assert.deepEqual(after.body.data, before.body.data, 'no compartment changed');
  const untouched = await sg.db.orm.em.fork().findOneOrFail(Reservation, { id: reservation.id });
  assert.equal(untouched.openedBy, null);
  // A late ack for the timed-out command settles nothing.
  await device.client.publishAsync(lockerTopic(L, 'acks'), JSON.stringify({ commandId: command.id, ok: true }), {
    qos: 1,
  });

  device.mode = 'refuse';
  const refused = await open(pin);
  assert.equal(errorCode(refused), 'DEVICE_REFUSED');
  assert.equal(refused.body.errors![0]!.extensions!.deviceError, 'COMPARTMENT_FAULT');

  device.mode = 'ok';
  const opened = await open(qrToken);
  assert.equal(opened.body.errors, undefined);
  assert.deepEqual(opened.body.data!.openCompartment, { index: reservation.compartmentIndex, state: 'OPEN' });
  assert.equal(errorCode(await open(pin)), 'INVALID_PICKUP_CODE', 'used up (both codes)');
  assert.equal(await reservationStatus(reservation.id), 'DEPOSITED', 'until the door closes on an empty compartment');

  // The recipient takes the parcel and closes the door.
  await device.client.publishAsync(
    lockerTopic(L, 'state'),
    JSON.stringify({
      compartments: SONGPA.compartments.map((c) => ({ index: c.index, door: 'CLOSED', occupied: false, fault: null })),
      ts: Date.now(),
    }),
    { qos: 1 },
  );
  await eventually(async () => (await reservationStatus(reservation.id)) === 'PICKED_UP');
  const picked = (await outbox('reservation.pickedUp')).find((d) => d.reservationId === reservation.id);
  assert.equal(picked.pickedUpBy, member.userId);
});

test('five wrong codes lock the guesser out of this locker, even with a right code; the recipient is not', async () => {
  const reservation = await reserveForOrder();
  await deposit(reservation);
  const { pin } = (await reveal(reservation.id)).body.data!.revealPickupCode;
  const wrong = pin === '000000' ? '000001' : '000000';
  for (let i = 0; i < 5; i++) assert.equal(errorCode(await open(wrong, guesser)), 'INVALID_PICKUP_CODE');
  for (const code of [wrong, pin]) {
    const locked = await open(code, guesser);
    assert.equal(errorCode(locked), 'PICKUP_LOCKED_OUT');
    assert.ok(Number(locked.body.errors![0]!.extensions!.retryAfterSeconds) > 0);
  }
  device.mode = 'ok';
  assert.equal((await open(pin)).body.errors, undefined, 'the recipient still opens');
});

test('staff open by role: MASTER and the locker hub’s managers; nobody else', async () => {
  const staffOpen = (who: ReturnType<typeof viewer>, index = 5) =>
    sg.request(
      'mutation($l: ID!, $i: Int!) { staffOpenCompartment(lockerId: $l, index: $i) { index state } }',
      { l: L, i: index },
      who,
    );
  device.mode = 'ok';
  const hubManager = viewer('HUB_MANAGER', randomUUID(), SEOUL_HUB);
  const driver = viewer('DELIVERY_MANAGER', randomUUID(), SEOUL_HUB);
  assert.deepEqual((await staffOpen(hubManager)).body.data!.staffOpenCompartment, { index: 5, state: 'OPEN' });
  assert.equal((await staffOpen(driver)).body.errors, undefined);
  assert.equal(errorCode(await staffOpen(viewer('HUB_MANAGER', randomUUID(), OTHER_HUB))), 'FORBIDDEN');
  assert.equal(errorCode(await staffOpen(member)), 'FORBIDDEN');
  assert.equal(errorCode(await staffOpen(hubManager, 99)), 'BAD_USER_INPUT');
  assert.ok(
    device.commands.every((c) => !('code' in c) && !('pin' in c)),
    'no code ever reaches the device',
  );
});

test('a cancelled order releases its compartment; expired reservations are swept', async () => {
  const reservation = await reserveForOrder();
  const cancel = createEvent<OrderEvents, 'order.cancelled'>('order', 'order.cancelled', reservation.orderId!, {
    orderId: reservation.orderId,
    reason: 'USER',
    cancelledBy: member.userId,
    cancelledAt: new Date().toISOString(),
  });
  for (let i = 0; i < 2; i++) await sg.db.orm.em.fork().transactional((em) => handlers['order.cancelled']!(cancel, em));
  assert.equal(await reservationStatus(reservation.id), 'RELEASED');
  const released = (await outbox('reservation.released')).filter((d) => d.reservationId === reservation.id);
  assert.deepEqual(
    released.map((d) => d.reason),
    ['ORDER_CANCELLED'],
    'once',
  );

  const expiring = await reserveForOrder();
  const { lockerModuleOf, lockerServices } = await import('../src/module.js');
  const em = sg.db.orm.em.fork();
  const swept = await lockerServices(lockerModuleOf(em), em).reservations.sweepExpired(
    new Date(Date.now() + 4 * 24 * 3600_000),
  );
  assert.ok(swept >= 1);
  assert.equal(await reservationStatus(expiring.id), 'RELEASED');
  const compartments = await sg.request(
    'query($id: ID!) { locker(id: $id) { compartments { index state } } }',
    { id: L },
    member,
  );
  assert.equal(
    compartments.body.data!.locker.compartments.find((c: { index: number }) => c.index === expiring.compartmentIndex)
      .state,
    'AVAILABLE',
  );
});

test('a full locker refuses the reservation (reservation.rejected); an order for a firm is ignored', async () => {
  const orderId = randomUUID();
  const firmOrder = createEvent<OrderEvents, 'order.created'>('order', 'order.created', orderId, {
    orderId,
    destination: { kind: 'FIRM', firmId: randomUUID(), name: 'x', address: 'y' },
    createdBy: member.userId,
    createdAt: new Date().toISOString(),
  });
  await sg.db.orm.em.fork().transactional((em) => handlers['order.created']!(firmOrder, em));
  assert.equal(await sg.db.orm.em.fork().count(Reservation, { orderId }), 0);
  // The consumer runner does not even open a transaction for it (lib/events, appliesTo).
  assert.equal(handlers['order.created']!.appliesTo?.(firmOrder), false);

  const held: Reservation[] = [];
  for (;;) {
    const orderId = randomUUID();
    const event = createEvent<OrderEvents, 'order.created'>('order', 'order.created', orderId, {
      orderId,
      destination: { kind: 'LOCKER', lockerId: L },
      createdBy: member.userId,
      createdAt: new Date().toISOString(),
    });
    assert.equal(handlers['order.created']!.appliesTo?.(event), true);
    await sg.db.orm.em.fork().transactional((em) => handlers['order.created']!(event, em));
    // Redelivered: still one reservation for the order.
    await sg.db.orm.em.fork().transactional((em) => handlers['order.created']!(event, em));
    const found = await sg.db.orm.em.fork().find(Reservation, { orderId });
    assert.ok(found.length <= 1);
    if (!found.length) {
      const rejected = (await outbox('reservation.rejected')).find((d) => d.orderId === orderId);
      assert.equal(rejected.reason, 'NO_FREE_COMPARTMENT');
      break;
    }
    held.push(found[0]!);
    assert.ok(held.length <= SONGPA.compartments.length, 'never more holds than compartments');
  }
  assert.equal(new Set(held.map((r) => r.compartmentIndex)).size, held.length, 'each hold its own compartment');
});
