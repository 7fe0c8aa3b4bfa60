/**
 * The order subgraph's event handlers on MariaDB, each called directly with an envelope from createEvent inside a
 * transaction, as the consumer runner calls them. Late, duplicate and impossible events are acknowledged (the
 * handler returns) and logged, and change nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MikroORM } from '@mikro-orm/core';
import { createEvent, type EventMap } from '../../../lib/events/index.js';
import type { EventHandlers } from '../../../lib/events/outbox.js';
import { createLogger } from '../../../lib/logger/index.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import { startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { Order } from '../src/entities/order.entity.js';
import { createHandlers } from '../src/events/index.js';
import { subgraph as orderSubgraph } from '../src/server.js';
import { CANCEL_ORDER, CREATE_ORDER, DEMO, VIEWERS, createProduct, firmOrder, outboxFor, stockOf } from './fixtures.js';

let sg: TestSubgraph;
let orm: MikroORM;
const lines: { level: number; msg: string; why?: string; orderId?: string; type?: string }[] = [];
const handlers: EventHandlers = createHandlers(
  createLogger('info', 'order-events-test', { destination: { write: (line: string) => lines.push(JSON.parse(line)) } }),
);

before(async () => {
  sg = await startTestSubgraph(orderSubgraph, { seed: true });
  orm = sg.db.orm;
});
after(() => sg?.close());

/** Payloads as the producers send them (docs/events.md §5), for the order `orderId`. */
const payloads = (orderId: string, deliveryId = uuidv7()) => ({
  'route.failed': { orderId, supplierHubId: DEMO.gyeonggiSouthHub, receiverHubId: DEMO.seoulHub, reason: 'NO_PATH' },
  'reservation.rejected': { orderId, lockerId: uuidv7(), reason: 'NO_FREE_COMPARTMENT' },
  'delivery.created': {
    deliveryId,
    orderId,
    legs: [
      {
        legId: uuidv7(),
        sequence: 1,
        kind: 'HUB',
        fromHubId: DEMO.gyeonggiSouthHub,
        toHubId: DEMO.seoulHub,
        managerId: uuidv7(),
      },
      { legId: uuidv7(), sequence: 2, kind: 'LAST_MILE', fromHubId: DEMO.seoulHub, toHubId: null, managerId: null },
    ],
    expectedDurationSeconds: 5400,
    dispatchDeadline: new Date().toISOString(),
  },
  'delivery.started': { deliveryId, orderId, startedAt: new Date().toISOString() },
  'delivery.completed': { deliveryId, orderId, completedAt: new Date().toISOString() },
  'delivery.cancelled': { deliveryId, orderId, reason: 'MANUAL', cancelledAt: new Date().toISOString() },
});
type Type = keyof ReturnType<typeof payloads>;

/** Delivers one event of `type` for `orderId` to its handler, in a transaction; returns the log lines it wrote. */
async function deliver(type: Type, orderId: string, options: { data?: object; version?: number } = {}) {
  const source = type === 'route.failed' ? 'hub' : type === 'reservation.rejected' ? 'locker' : 'delivery';
  const event = createEvent<EventMap, string>(source, type, orderId, options.data ?? payloads(orderId)[type], {
    version: options.version,
  });
  const from = lines.length;
  await orm.em.fork().transactional((em) => handlers[type]!(event, em));
  return lines.slice(from);
}

async function placeOrder(quantity = 3) {
  const productId = await createProduct(orm, 10);
  const r = await sg.request(CREATE_ORDER, { input: firmOrder(productId, quantity) }, VIEWERS.receiverManager);
  return { id: r.body.data!.createOrder.id as string, productId };
}
const statusOf = async (id: string) => (await orm.em.fork().findOneOrFail(Order, { id })).status;
const eventTypes = async (id: string) => (await outboxFor(orm, id)).map((e) => e.type);

describe('order event handlers', () => {
  test('handlers cover the six consumed events', () => {
    const types = [
      'route.failed',
      'reservation.rejected',
      'delivery.created',
      'delivery.started',
      'delivery.completed',
      'delivery.cancelled',
    ];
    assert.deepEqual(Object.keys(handlers).sort(), [...types].sort());
  });

  test('reservation.rejected cancels the order (NO_COMPARTMENT) and restores the stock; a room’s rejection is not the order’s', async () => {
    const { id, productId } = await placeOrder(2);
    assert.equal(await stockOf(orm, productId), 8);
    const roomRejected = { roomId: uuidv7(), lockerId: uuidv7(), reason: 'NO_FREE_COMPARTMENT' };
    await deliver('reservation.rejected', id, { data: roomRejected });
    assert.equal(await statusOf(id), 'CREATED', 'a rejection without an orderId changes no order');
    await deliver('reservation.rejected', id);
    const order = await orm.em.fork().findOneOrFail(Order, { id });
    assert.deepEqual([order.status, order.cancelReason], ['CANCELLED', 'NO_COMPARTMENT']);
    assert.equal(await stockOf(orm, productId), 10);
    assert.deepEqual(await eventTypes(id), ['order.created', 'order.cancelled']);
  });

  test('route.failed cancels the order (NO_ROUTE, cancelledBy null), restores the stock and records order.cancelled', async () => {
    const { id, productId } = await placeOrder(3);
    assert.equal(await stockOf(orm, productId), 7);
    const logged = await deliver('route.failed', id);
    const order = await orm.em.fork().findOneOrFail(Order, { id });
    assert.equal(order.status, 'CANCELLED');
    assert.equal(order.cancelReason, 'NO_ROUTE');
    assert.equal(order.cancelledBy, null);
    assert.equal(await stockOf(orm, productId), 10);
    const events = await outboxFor(orm, id);
    assert.deepEqual(events[1], {
      type: 'order.cancelled',
      data: { orderId: id, reason: 'NO_ROUTE', cancelledBy: null, cancelledAt: order.cancelledAt!.toISOString() },
    });
    assert.match(logged[0]!.msg, /route\.failed: order CREATED → CANCELLED/);

    // A duplicate (say, redelivered after a crash before the inbox row) is acknowledged, logged, and changes nothing.
    const again = await deliver('route.failed', id);
    assert.equal(again[0]!.why, 'CANCELLED');
    assert.match(again[0]!.msg, /acknowledged and ignored/);
    assert.equal(await stockOf(orm, productId), 10);
    assert.deepEqual(await eventTypes(id), ['order.created', 'order.cancelled']);
  });

  test('delivery.created → PROCESSING, delivery.started → IN_TRANSIT, delivery.completed → COMPLETED; duplicates ignored', async () => {
    const { id, productId } = await placeOrder(2);
    await deliver('delivery.created', id);
    assert.equal(await statusOf(id), 'PROCESSING');
    assert.equal((await deliver('delivery.created', id))[0]!.why, 'ALREADY_THERE');
    await deliver('delivery.started', id);
    assert.equal(await statusOf(id), 'IN_TRANSIT');
    await deliver('delivery.completed', id);
    assert.equal(await statusOf(id), 'COMPLETED');
    // Late events on a finished order.
    assert.equal((await deliver('delivery.started', id))[0]!.why, 'ALREADY_THERE');
    assert.equal(await statusOf(id), 'COMPLETED');
    assert.equal(await stockOf(orm, productId), 8, 'completion keeps the stock consumed');
    assert.deepEqual(await eventTypes(id), ['order.created']);
  });

  test('an order in transit cannot be cancelled by a person or by delivery.cancelled', async () => {
    const { id, productId } = await placeOrder(2);
    await deliver('delivery.created', id);
    await deliver('delivery.started', id);
    const refused = await sg.request(CANCEL_ORDER, { id }, VIEWERS.receiverManager);
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'INVALID_ORDER_TRANSITION');
    const logged = await deliver('delivery.cancelled', id);
    assert.equal(logged[0]!.why, 'NOT_CANCELLABLE');
    assert.equal(logged[0]!.level, 40, 'a warning: the delivery and the order disagree');
    assert.equal(await statusOf(id), 'IN_TRANSIT');
    assert.equal(await stockOf(orm, productId), 8);
  });

  test('delivery.cancelled cancels an open order (DELIVERY_CANCELLED), once; after a user cancel it changes nothing', async () => {
    const open = await placeOrder(4);
    await deliver('delivery.created', open.id);
    await deliver('delivery.cancelled', open.id);
    const order = await orm.em.fork().findOneOrFail(Order, { id: open.id });
    assert.deepEqual([order.status, order.cancelReason, order.cancelledBy], ['CANCELLED', 'DELIVERY_CANCELLED', null]);
    assert.equal(await stockOf(orm, open.productId), 10);
    await deliver('delivery.cancelled', open.id);
    assert.equal(await stockOf(orm, open.productId), 10);
    assert.deepEqual(await eventTypes(open.id), ['order.created', 'order.cancelled']);

    // The usual round trip: the user cancels, the delivery follows and says so.
    const byUser = await placeOrder(4);
    await sg.request(CANCEL_ORDER, { id: byUser.id }, VIEWERS.receiverManager);
    const data = { ...payloads(byUser.id)['delivery.cancelled'], reason: 'ORDER_CANCELLED' };
    assert.equal((await deliver('delivery.cancelled', byUser.id, { data }))[0]!.why, 'CANCELLED');
    assert.equal(await stockOf(orm, byUser.productId), 10);
    assert.equal((await orm.em.fork().findOneOrFail(Order, { id: byUser.id })).cancelReason, 'USER');
  });

  test('a cancelled order is never revived by a late delivery event', async () => {
    const { id } = await placeOrder();
    await deliver('route.failed', id);
    for (const type of ['delivery.created', 'delivery.started', 'delivery.completed'] as const) {
      assert.equal((await deliver(type, id))[0]!.why, 'CANCELLED', type);
    }
    assert.equal(await statusOf(id), 'CANCELLED');
  });

  test('a step lost to the dead letters is caught up: delivery.started on a CREATED order moves it via PROCESSING', async () => {
    const { id } = await placeOrder();
    const logged = await deliver('delivery.started', id);
    assert.equal(await statusOf(id), 'IN_TRANSIT');
    assert.match(logged[0]!.msg, /CREATED → IN_TRANSIT/);
  });

  test('an unknown order is acknowledged with a warning; a malformed payload or an unknown version throws', async () => {
    const unknown = uuidv7();
    for (const type of ['route.failed', 'delivery.created', 'delivery.cancelled'] as const) {
      const [line] = await deliver(type, unknown);
      assert.deepEqual([line!.why, line!.level, line!.orderId], ['UNKNOWN_ORDER', 40, unknown], type);
    }
    const { id } = await placeOrder();
    await assert.rejects(deliver('delivery.created', id, { data: { orderId: 'not-a-uuid' } }), /orderId|uuid/i);
    await assert.rejects(deliver('route.failed', id, { data: { orderId: id } }), /supplierHubId|reason/);
    await assert.rejects(deliver('delivery.created', id, { version: 2 }), /version 2 is not understood/);
    assert.equal(await statusOf(id), 'CREATED', 'a refused event changed nothing');
  });
});
