/**
 * The delivery subgraph on MariaDB and Redis: `route.planned` → delivery, legs and managers; legs advanced by their
 * managers; completion, cancellation and the managers' release; the events recorded; the live-update feed; and
 * `Order.delivery` as the gateway asks for it (`_entities`). Handlers are called as the consumer runner calls them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { typedPubSub } from '../../../lib/infra/pubsub.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import { errorCode, startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { deliveryTopic, type DeliveryTopics, type DeliveryUpdate } from '../src/domain/topics.js';
import { Delivery } from '../src/entities/delivery.entity.js';
import { OrderRecord } from '../src/entities/order-record.entity.js';
import { onOrderCancelled } from '../src/events/order-cancelled.js';
import { onReservationCreated } from '../src/events/reservation-created.js';
import { onReservationDeposited } from '../src/events/reservation-deposited.js';
import { onRoutePlanned } from '../src/events/route-planned.js';
import { handlers } from '../src/events/index.js';
import { subgraph } from '../src/server.js';
import {
  ADVANCE,
  BUSAN,
  DAEGU,
  GYEONGGI_SOUTH,
  HUB_DRIVER,
  MASTER,
  SEOUL,
  deliveryOf,
  em,
  envelope,
  eventually,
  firmDriver,
  handle,
  hub,
  manager,
  orderCancelled,
  outbox,
  routePlanned,
  viewer,
} from './helpers.js';

describe('delivery subgraph', () => {
  let sg: TestSubgraph;
  before(async () => {
    sg = await startTestSubgraph(subgraph, { seed: true });
  });
  after(() => sg?.close());

  const advance = (legId: string, to: string, as = MASTER) => sg.request(ADVANCE, { legId, to }, as);
  const types = async (orderId: string) => (await outbox(sg, orderId)).map((e) => e.type);

  test('exports a handler for every event it consumes, its own delivery.created included', () => {
    assert.deepEqual(Object.keys(handlers).sort(), [
      'delivery.created',
      'order.cancelled',
      'reservation.created',
      'reservation.deposited',
      'route.planned',
    ]);
  });

  describe('a multi-hop route to a firm: Seoul → Gyeonggi South → Daegu → Busan', () => {
    const event = routePlanned([SEOUL, GYEONGGI_SOUTH, DAEGU, BUSAN], {
      requestNote: '12월 12일 3시까지 도착 보장',
      orderCreatedAt: '2026-11-23T01:00:00.000Z',
    });
    const { orderId } = event.data;
    const busanDriver = firmDriver(BUSAN);
    const updates: DeliveryUpdate[] = [];
    let seenCommitted = true;
    let legIds: string[] = [];

    before(async () => {
      // The feed must fire after the commit: a subscriber refetching at once must find what changed.
      await typedPubSub<DeliveryTopics>(sg.infra.pubsub).subscribe(deliveryTopic(orderId), (update) => {
        updates.push(update);
        void em(sg)
          .findOne(Delivery, { id: update.deliveryId })
          .then((d) => (seenCommitted &&= d !== null));
      });
    });

    test('route.planned creates one HUB leg per hop and the last mile, with managers from the right pools', async () => {
      await handle(sg, onRoutePlanned, event);
      const { delivery, legs } = await deliveryOf(sg, orderId);
      assert.ok(delivery);
      legIds = legs.map((l) => l.id);
      assert.deepEqual(
        legs.map((l) => [l.sequence, l.kind, l.status, l.fromHubId, l.toHubId ?? null, l.managerId ?? null]),
        [
          // Nobody drives hub legs from Seoul or Daegu in the demo pools: those legs wait, unassigned.
          [1, 'HUB', 'WAITING_FOR_HUB', hub(SEOUL).id, hub(GYEONGGI_SOUTH).id, null],
          [2, 'HUB', 'WAITING_FOR_HUB', hub(GYEONGGI_SOUTH).id, hub(DAEGU).id, HUB_DRIVER.managerId],
          [3, 'HUB', 'WAITING_FOR_HUB', hub(DAEGU).id, hub(BUSAN).id, null],
          [4, 'LAST_MILE', 'MOVING_TO_FIRM', hub(BUSAN).id, null, busanDriver.managerId],
        ],
      );
      assert.deepEqual(
        legs.map((l) => l.durationSeconds ?? null),
        [3600, 3600, 3600, null],
      );
      assert.equal(delivery.status, 'WAITING_FOR_HUB');
      assert.equal(delivery.expectedDurationSeconds, 3 * 3600);
      // Requested for 12 December 15:00 Seoul (a Saturday: counts as Friday 18:00) − 3 h of working time.
      assert.equal(delivery.dispatchDeadline.toISOString(), '2026-12-11T06:00:00.000Z');
      assert.equal((await manager(sg, HUB_DRIVER.managerId)).available, false);
      assert.equal((await manager(sg, busanDriver.managerId)).available, false);

      const [created, ...rest] = await outbox(sg, orderId);
      assert.equal(rest.length, 0);
      assert.equal(created!.type, 'delivery.created');
      assert.equal(created!.source, 'delivery');
      assert.deepEqual(created!.data, {
        deliveryId: delivery.id,
        orderId,
        legs: legs.map((l) => ({
          legId: l.id,
          sequence: l.sequence,
          kind: l.kind,
          fromHubId: l.fromHubId,
          toHubId: l.toHubId ?? null,
          managerId: l.managerId ?? null,
        })),
        expectedDurationSeconds: 10_800,
        dispatchDeadline: '2026-12-11T06:00:00.000Z',
      });
      await eventually(() => updates.length === 1, 3000, 'the creation on the feed');
      assert.deepEqual(updates[0], { orderId, deliveryId: delivery.id });
    });

    test('the same route again (a redelivered event) creates nothing more', async () => {
      await handle(sg, onRoutePlanned, { ...event, id: uuidv7() });
      assert.equal(await em(sg).count(Delivery, { orderId }), 1);
      assert.deepEqual(await types(orderId), ['delivery.created']);
    });

    test('only the assigned manager or a MASTER may advance a leg', async () => {
      const other = viewer('DELIVERY_MANAGER', firmDriver(SEOUL).userId);
      const firmManager = viewer('FIRM_MANAGER', uuidv7(), { firmId: '0190f000-0000-7000-8000-000200000004' });
      for (const as of [other, firmManager]) {
        assert.equal(errorCode(await advance(legIds[1]!, 'MOVING_TO_HUB', as)), 'FORBIDDEN');
      }
      // Leg 1 has no manager yet: only a MASTER can move it.
      assert.equal(errorCode(await advance(legIds[0]!, 'MOVING_TO_HUB', other)), 'FORBIDDEN');
    });

    test('legs move in route order; a refused move is BAD_USER_INPUT naming the allowed ones', async () => {
      const driver = viewer('DELIVERY_MANAGER', HUB_DRIVER.userId, { hubId: hub(GYEONGGI_SOUTH).id });
      const early = await advance(legIds[1]!, 'MOVING_TO_HUB', driver);
      assert.equal(errorCode(early), 'BAD_USER_INPUT');
      assert.match(early.body.errors![0]!.message, /cannot move now, leg 1 has not arrived yet \(WAITING_FOR_HUB\)/);

      const skip = await advance(legIds[0]!, 'ARRIVED_DESTINATION_HUB');
      assert.equal(errorCode(skip), 'BAD_USER_INPUT');
      assert.deepEqual(skip.body.errors![0]!.extensions, {
        code: 'BAD_USER_INPUT',
        field: 'to',
        allowed: ['MOVING_TO_HUB'],
      });
      assert.match(skip.body.errors![0]!.message, /can move to MOVING_TO_HUB, not ARRIVED_DESTINATION_HUB/);
      assert.equal(errorCode(await advance(legIds[0]!, 'DELIVERY_CANCELLED')), 'BAD_USER_INPUT');
      assert.equal(errorCode(await advance(legIds[3]!, 'WAITING_FOR_HUB')), 'BAD_USER_INPUT');
      assert.equal(errorCode(await advance(uuidv7(), 'MOVING_TO_HUB')), 'NOT_FOUND');
      assert.deepEqual(await types(orderId), ['delivery.created'], 'nothing recorded by refused moves');
    });

    test('the first leg leaving starts the delivery, once', async () => {
      const moved = await advance(legIds[0]!, 'MOVING_TO_HUB');
      assert.equal(moved.body.errors, undefined);
      assert.deepEqual(moved.body.data!.advanceDeliveryLeg, {
        id: legIds[0],
        status: 'MOVING_TO_HUB',
        nextStatuses: ['ARRIVED_DESTINATION_HUB'],
        delivery: { id: (await deliveryOf(sg, orderId)).delivery!.id, status: 'MOVING_TO_HUB' },
      });
      assert.deepEqual(await types(orderId), ['delivery.created', 'delivery.started']);
      const started = (await outbox(sg, orderId))[1]!;
      const { delivery } = await deliveryOf(sg, orderId);
      assert.deepEqual(started.data, {
        deliveryId: delivery!.id,
        orderId,
        startedAt: delivery!.startedAt!.toISOString(),
      });

      await advance(legIds[0]!, 'ARRIVED_DESTINATION_HUB');
      assert.equal((await deliveryOf(sg, orderId)).delivery!.status, 'ARRIVED_DESTINATION_HUB');
      const driver = viewer('DELIVERY_MANAGER', HUB_DRIVER.userId);
      assert.equal((await advance(legIds[1]!, 'MOVING_TO_HUB', driver)).body.errors, undefined);
      assert.deepEqual(await types(orderId), ['delivery.created', 'delivery.started'], 'leg 2 starts nothing new');
    });

    test('a hub leg that arrives releases its manager', async () => {
      const driver = viewer('DELIVERY_MANAGER', HUB_DRIVER.userId);
      assert.equal((await advance(legIds[1]!, 'ARRIVED_DESTINATION_HUB', driver)).body.errors, undefined);
      assert.equal((await manager(sg, HUB_DRIVER.managerId)).available, true);
      const { legs } = await deliveryOf(sg, orderId);
      assert.equal(legs[1]!.managerId, HUB_DRIVER.managerId, 'who drove it stays on record');
      assert.ok(legs[1]!.finishedAt);
    });

    test('the last mile waits for every hub leg, then completes the delivery', async () => {
      const driver = viewer('DELIVERY_MANAGER', busanDriver.userId, { hubId: hub(BUSAN).id });
      assert.equal(errorCode(await advance(legIds[3]!, 'FIRM_DELIVERY_IN_PROGRESS', driver)), 'BAD_USER_INPUT');
      await advance(legIds[2]!, 'MOVING_TO_HUB');
      await advance(legIds[2]!, 'ARRIVED_DESTINATION_HUB');
      assert.equal((await deliveryOf(sg, orderId)).delivery!.status, 'MOVING_TO_FIRM');
      assert.equal((await advance(legIds[3]!, 'FIRM_DELIVERY_IN_PROGRESS', driver)).body.errors, undefined);
      assert.deepEqual(await types(orderId), ['delivery.created', 'delivery.started']);
      const done = await advance(legIds[3]!, 'DELIVERY_COMPLETED', driver);
      assert.deepEqual(done.body.data!.advanceDeliveryLeg.delivery.status, 'DELIVERY_COMPLETED');
      assert.deepEqual(done.body.data!.advanceDeliveryLeg.nextStatuses, []);
      assert.deepEqual(await types(orderId), ['delivery.created', 'delivery.started', 'delivery.completed']);
      const { delivery } = await deliveryOf(sg, orderId);
      assert.deepEqual((await outbox(sg, orderId))[2]!.data, {
        deliveryId: delivery!.id,
        orderId,
        completedAt: delivery!.completedAt!.toISOString(),
      });
      assert.equal((await manager(sg, busanDriver.managerId)).available, true, 'released on completion');
    });

    test('every committed change was published on delivery:<orderId>, after its commit', async () => {
      // Created, 6 hub-leg moves, 2 last-mile moves.
      await eventually(() => updates.length === 9, 3000, 'nine updates');
      assert.ok(updates.every((u) => u.orderId === orderId));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(seenCommitted, true);
      assert.equal(updates.length, 9, 'refused moves publish nothing');
    });

    test('Order.delivery answers through _entities, within the reader’s scope', async () => {
      const query = `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Order { id delivery { status order { id } legs { sequence kind status from { id } to { id } manager { id } }
          destination { kind firm { id } name } expectedDurationSeconds dispatchDeadline startedAt completedAt } } } }`;
      const r = [{ __typename: 'Order', id: orderId }];
      const answer = await sg.request(query, { r }, MASTER);
      assert.equal(answer.body.errors, undefined);
      const delivery = answer.body.data!._entities[0].delivery;
      assert.equal(delivery.status, 'DELIVERY_COMPLETED');
      assert.deepEqual(delivery.order, { id: orderId });
      assert.deepEqual(
        delivery.legs.map((l: { sequence: number; kind: string; to: { id: string } | null }) => [
          l.sequence,
          l.kind,
          l.to?.id ?? null,
        ]),
        [
          [1, 'HUB', hub(GYEONGGI_SOUTH).id],
          [2, 'HUB', hub(DAEGU).id],
          [3, 'HUB', hub(BUSAN).id],
          [4, 'LAST_MILE', null],
        ],
      );
      assert.deepEqual(delivery.legs[3].manager, { id: busanDriver.managerId });
      assert.deepEqual(delivery.destination, {
        kind: 'FIRM',
        firm: { id: '0190f000-0000-7000-8000-000200000004' },
        name: 'Seoul Office Co.',
      });
      assert.equal(delivery.dispatchDeadline, '2026-12-11T06:00:00.000Z');

      const receiver = viewer('FIRM_MANAGER', uuidv7(), { firmId: '0190f000-0000-7000-8000-000200000004' });
      assert.equal((await sg.request(query, { r }, receiver)).body.errors, undefined);
      const busanHub = viewer('HUB_MANAGER', uuidv7(), { hubId: hub(BUSAN).id });
      assert.equal((await sg.request(query, { r }, busanHub)).body.errors, undefined);
      const driver = viewer('DELIVERY_MANAGER', HUB_DRIVER.userId);
      assert.equal((await sg.request(query, { r }, driver)).body.errors, undefined, 'drove a leg');
      for (const outsider of [
        viewer('MEMBER', uuidv7()),
        viewer('HUB_MANAGER', uuidv7(), { hubId: hub(GYEONGGI_SOUTH).id }),
        viewer('DELIVERY_MANAGER', firmDriver(SEOUL).userId),
      ]) {
        assert.equal(errorCode(await sg.request(query, { r }, outsider)), 'FORBIDDEN', outsider.role);
      }
      const none = await sg.request(query, { r: [{ __typename: 'Order', id: uuidv7() }] }, MASTER);
      assert.equal(none.body.data!._entities[0].delivery, null, 'no delivery yet');
    });
  });

  describe('a same-hub order (Ulsan → Ulsan Works)', () => {
    const ULSAN = 9;
    const event = routePlanned([ULSAN]);
    const driver = firmDriver(ULSAN);

    test('gets the last mile alone, from the hub’s FIRM pool, and starts when it does', async () => {
      await handle(sg, onRoutePlanned, event);
      const { delivery, legs } = await deliveryOf(sg, event.data.orderId);
      assert.equal(delivery!.status, 'MOVING_TO_FIRM');
      assert.deepEqual(
        legs.map((l) => [l.sequence, l.kind, l.status, l.managerId]),
        [[1, 'LAST_MILE', 'MOVING_TO_FIRM', driver.managerId]],
      );
      assert.equal(delivery!.expectedDurationSeconds, 0);
      const as = viewer('DELIVERY_MANAGER', driver.userId);
      assert.equal((await advance(legs[0]!.id, 'FIRM_DELIVERY_IN_PROGRESS', as)).body.errors, undefined);
      assert.deepEqual(await types(event.data.orderId), ['delivery.created', 'delivery.started']);
      assert.equal((await advance(legs[0]!.id, 'DELIVERY_COMPLETED', as)).body.errors, undefined);
      assert.deepEqual(await types(event.data.orderId), ['delivery.created', 'delivery.started', 'delivery.completed']);
      assert.equal((await manager(sg, driver.managerId)).available, true);
    });

    test('myDeliveryLegs lists a driver’s legs, finished ones on request', async () => {
      const query = `query($all: Boolean) { myDeliveryLegs(includeFinished: $all) { kind status } }`;
      const as = viewer('DELIVERY_MANAGER', driver.userId);
      assert.deepEqual((await sg.request(query, {}, as)).body.data!.myDeliveryLegs, []);
      assert.deepEqual((await sg.request(query, { all: true }, as)).body.data!.myDeliveryLegs, [
        { kind: 'LAST_MILE', status: 'DELIVERY_COMPLETED' },
      ]);
      assert.deepEqual((await sg.request(query, {}, viewer('MEMBER', uuidv7()))).body.data!.myDeliveryLegs, []);
    });
  });

  describe('a locker destination (same hub, Gwangju)', () => {
    const GWANGJU = 7;
    const lockerId = uuidv7();
    const destination = { kind: 'LOCKER', lockerId };

    test('the compartment reserved before the route reaches the delivery; one reserved after updates it', async () => {
      const event = routePlanned([GWANGJU], { destination });
      const { orderId } = event.data;
      const reservation = (compartmentIndex: number) =>
        envelope('locker', 'reservation.created', orderId, {
          reservationId: uuidv7(),
          lockerId,
          compartmentIndex,
          orderId,
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        });
      await handle(sg, onReservationCreated, reservation(2));
      await handle(sg, onRoutePlanned, event);
      const { delivery, legs } = await deliveryOf(sg, orderId);
      assert.deepEqual(
        [delivery!.destinationKind, delivery!.lockerId, delivery!.compartmentIndex],
        ['LOCKER', lockerId, 2],
      );
      assert.deepEqual(
        legs.map((l) => l.kind),
        ['LAST_MILE'],
      );
      await handle(sg, onReservationCreated, reservation(5));
      assert.equal((await deliveryOf(sg, orderId)).delivery!.compartmentIndex, 5);
      // A room's reservation is no delivery's business.
      const room = envelope('locker', 'reservation.created', uuidv7(), {
        reservationId: uuidv7(),
        lockerId,
        compartmentIndex: 1,
        roomId: uuidv7(),
        expiresAt: new Date().toISOString(),
      });
      await handle(sg, onReservationCreated, room);
      await handle(sg, onOrderCancelled, orderCancelled(orderId));
    });

    test('the locker’s deposit report completes the last mile; the driver cannot', async () => {
      const event = routePlanned([GWANGJU], { destination });
      const { orderId } = event.data;
      await handle(sg, onRoutePlanned, event);
      const { legs } = await deliveryOf(sg, orderId);
      const driver = firmDriver(GWANGJU);
      const as = viewer('DELIVERY_MANAGER', driver.userId);
      assert.equal((await advance(legs[0]!.id, 'FIRM_DELIVERY_IN_PROGRESS', as)).body.errors, undefined);
      const refused = await advance(legs[0]!.id, 'DELIVERY_COMPLETED', as);
      assert.equal(errorCode(refused), 'BAD_USER_INPUT');
      assert.match(refused.body.errors![0]!.message, /locker reports the deposit/);

      const reservationId = uuidv7();
      const reserved = { reservationId, lockerId, compartmentIndex: 3, orderId, expiresAt: new Date().toISOString() };
      await handle(sg, onReservationCreated, envelope('locker', 'reservation.created', orderId, reserved));
      const deposit = (id: string) =>
        envelope('locker', 'reservation.deposited', orderId, {
          reservationId: id,
          lockerId,
          compartmentIndex: 3,
          orderId,
          depositedAt: '2026-11-23T05:00:00.000Z',
        });
      await assert.rejects(handle(sg, onReservationDeposited, deposit(uuidv7())), /goes to reservation/);
      const deposited = deposit(reservationId);
      await handle(sg, onReservationDeposited, deposited);
      await handle(sg, onReservationDeposited, { ...deposited, id: uuidv7() });
      const { delivery } = await deliveryOf(sg, orderId);
      assert.equal(delivery!.status, 'DELIVERY_COMPLETED');
      assert.equal(delivery!.completedAt!.toISOString(), '2026-11-23T05:00:00.000Z');
      assert.deepEqual(await types(orderId), ['delivery.created', 'delivery.started', 'delivery.completed']);
      assert.equal((await manager(sg, driver.managerId)).available, true);
    });

    test('a deposit for an order without a delivery is refused (to be retried), not guessed', async () => {
      const orderId = uuidv7();
      const deposited = envelope('locker', 'reservation.deposited', orderId, {
        reservationId: uuidv7(),
        orderId,
        depositedAt: new Date().toISOString(),
      });
      await assert.rejects(handle(sg, onReservationDeposited, deposited), /No delivery for order/);
    });
  });

  describe('cancellation', () => {
    test('order.cancelled after route.planned cancels the open legs and releases managers, announcing nothing', async () => {
      const INCHEON = 6;
      const event = routePlanned([INCHEON]);
      const { orderId } = event.data;
      const driver = firmDriver(INCHEON);
      await handle(sg, onRoutePlanned, event);
      assert.equal((await manager(sg, driver.managerId)).available, false);

      const cancelled = orderCancelled(orderId);
      await handle(sg, onOrderCancelled, cancelled);
      const { delivery, legs } = await deliveryOf(sg, orderId);
      assert.deepEqual(
        [delivery!.status, delivery!.cancelReason, legs[0]!.status],
        ['DELIVERY_CANCELLED', 'ORDER_CANCELLED', 'DELIVERY_CANCELLED'],
      );
      assert.equal((await manager(sg, driver.managerId)).available, true, 'released on cancellation');
      assert.deepEqual(await types(orderId), ['delivery.created'], 'no delivery.cancelled echoed to the order');

      const at = delivery!.cancelledAt!.getTime();
      await handle(sg, onOrderCancelled, { ...cancelled, id: uuidv7() });
      assert.equal((await deliveryOf(sg, orderId)).delivery!.cancelledAt!.getTime(), at, 'idempotent');
      assert.equal(errorCode(await advance(legs[0]!.id, 'FIRM_DELIVERY_IN_PROGRESS')), 'BAD_USER_INPUT');
    });

    test('order.cancelled before route.planned: the late route creates no delivery and takes nobody', async () => {
      const CHUNGNAM = 13;
      const event = routePlanned([CHUNGNAM]);
      const { orderId } = event.data;
      await handle(sg, onOrderCancelled, orderCancelled(orderId, 'NO_COMPARTMENT'));
      assert.ok((await em(sg).findOne(OrderRecord, { orderId }))?.cancelledAt, 'the cancellation is remembered');
      await handle(sg, onRoutePlanned, event);
      assert.equal((await deliveryOf(sg, orderId)).delivery, null);
      assert.deepEqual(await types(orderId), []);
      assert.equal((await manager(sg, firmDriver(CHUNGNAM).managerId)).available, true);
    });

    test('order.cancelled and route.planned at the same moment never leave an active delivery', async () => {
      const JEONNAM = 15;
      for (let round = 0; round < 5; round++) {
        const event = routePlanned([JEONNAM]);
        const { orderId } = event.data;
        await Promise.all([handle(sg, onRoutePlanned, event), handle(sg, onOrderCancelled, orderCancelled(orderId))]);
        const { delivery } = await deliveryOf(sg, orderId);
        assert.ok(!delivery || delivery.status === 'DELIVERY_CANCELLED', `round ${round}: ${delivery?.status}`);
        assert.equal((await manager(sg, firmDriver(JEONNAM).managerId)).available, true);
      }
    });

    test('a MASTER cancels a delivery that has not left; it cannot once it has, nor twice', async () => {
      const SEJONG = 10;
      const CANCEL =
        'mutation($id: ID!) { cancelDelivery(id: $id) { status cancelReason cancelledAt legs { status } } }';
      const first = routePlanned([SEJONG]);
      await handle(sg, onRoutePlanned, first);
      const { delivery } = await deliveryOf(sg, first.data.orderId);
      const driver = viewer('DELIVERY_MANAGER', firmDriver(SEJONG).userId);
      assert.equal(errorCode(await sg.request(CANCEL, { id: delivery!.id }, driver)), 'FORBIDDEN');
      const done = await sg.request(CANCEL, { id: delivery!.id }, MASTER);
      assert.equal(done.body.errors, undefined);
      assert.deepEqual(
        { ...done.body.data!.cancelDelivery, cancelledAt: undefined },
        {
          status: 'DELIVERY_CANCELLED',
          cancelReason: 'MANUAL',
          cancelledAt: undefined,
          legs: [{ status: 'DELIVERY_CANCELLED' }],
        },
      );
      const events = await outbox(sg, first.data.orderId);
      assert.deepEqual(
        events.map((e) => e.type),
        ['delivery.created', 'delivery.cancelled'],
      );
      assert.deepEqual(events[1]!.data, {
        deliveryId: delivery!.id,
        orderId: first.data.orderId,
        reason: 'MANUAL',
        cancelledAt: done.body.data!.cancelDelivery.cancelledAt,
      });
      assert.equal((await manager(sg, firmDriver(SEJONG).managerId)).available, true);
      assert.equal(errorCode(await sg.request(CANCEL, { id: delivery!.id }, MASTER)), 'DELIVERY_NOT_CANCELLABLE');
      // The order then cancels and says so: that changes nothing here (the saga ends).
      await handle(sg, onOrderCancelled, orderCancelled(first.data.orderId, 'DELIVERY_CANCELLED'));
      assert.equal((await outbox(sg, first.data.orderId)).length, 2);

      const second = routePlanned([SEJONG]);
      await handle(sg, onRoutePlanned, second);
      const moving = await deliveryOf(sg, second.data.orderId);
      await advance(moving.legs[0]!.id, 'FIRM_DELIVERY_IN_PROGRESS');
      const late = await sg.request(CANCEL, { id: moving.delivery!.id }, MASTER);
      assert.equal(errorCode(late), 'DELIVERY_NOT_CANCELLABLE');
      assert.match(late.body.errors![0]!.message, /on its way/);
      assert.equal(errorCode(await sg.request(CANCEL, { id: uuidv7() }, MASTER)), 'NOT_FOUND');
    });
  });

  describe('malformed events', () => {
    test('are refused at the edge and change nothing', async () => {
      const good = routePlanned([SEOUL, GYEONGGI_SOUTH]);
      const { orderId } = good.data;
      const broken = [
        { ...good, data: { ...good.data, hubs: [] } },
        { ...good, data: { ...good.data, orderCreatedAt: 'yesterday' } },
        { ...good, data: { ...good.data, destination: { kind: 'DRONE' } } },
        { ...good, version: 2 },
        // Hops that do not follow the hubs.
        { ...good, data: { ...good.data, legs: [{ ...good.data.legs[0]!, toHubId: hub(BUSAN).id }] } },
      ];
      for (const event of broken) await assert.rejects(handle(sg, onRoutePlanned, event));
      assert.equal((await deliveryOf(sg, orderId)).delivery, null);
      assert.deepEqual(await types(orderId), []);
    });
  });
});
