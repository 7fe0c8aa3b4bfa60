/**
 * The `order.created` handler on MariaDB, called as the consumer runner calls it: inside a transaction, with an
 * envelope made by createEvent. Its only effect is the outbox row it records (`route.planned` or `route.failed`).
 * No Kakao key here, so the ETAs are the deterministic estimate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, type EventMap } from '../../../lib/events/index.js';
import { OutboxEvent } from '../../../lib/events/outbox.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import { startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import type { HubEvents, RouteFailed, RoutePlanned } from '../src/domain/events.js';
import { Hub } from '../src/entities/hub.entity.js';
import { handlers } from '../src/events/index.js';
import { onOrderCreated, type OrderCreated } from '../src/events/order-created.js';
import { estimateLinkEta } from '../src/routing/estimate.js';
import { readHubNetwork } from '../src/seeders/DemoSeeder.js';
import { subgraph } from '../src/server.js';

const network = readHubNetwork();
const hub = (name: string) => network.hubs.find((h) => h.name === name)!;
const SEOUL = hub('서울특별시 센터');
const SOUTH = hub('경기 남부 센터');
const DAEGU = hub('대구광역시 센터');
const BUSAN = hub('부산광역시 센터');

type OrderEvents = { 'order.created': Omit<OrderCreated, 'requestNote'> & Record<string, unknown> } & EventMap;

function orderCreated(overrides: Record<string, unknown> = {}) {
  const orderId = uuidv7();
  return createEvent<OrderEvents, 'order.created'>('order', 'order.created', orderId, {
    orderId,
    productId: uuidv7(),
    productName: '유기농 쌀 10kg',
    quantity: 3,
    supplierFirmId: uuidv7(),
    supplierHubId: SEOUL.id,
    receiverHubId: BUSAN.id,
    destination: { kind: 'FIRM', firmId: uuidv7(), name: 'Busan Mart', address: '부산광역시 중구 중앙대로 100' },
    requestNote: 'Before 10:00, please',
    createdBy: uuidv7(),
    createdAt: '2026-11-22T01:00:00.000Z',
    ...overrides,
  });
}

describe('order.created → route.planned | route.failed', () => {
  let sg: TestSubgraph;
  before(async () => {
    sg = await startTestSubgraph(subgraph, { seed: true });
  });
  after(() => sg?.close());

  const handle = (event: ReturnType<typeof orderCreated>) =>
    sg.db.orm.em.fork().transactional((em) => onOrderCreated(event, em));
  const outboxOf = (orderId: string) => sg.db.orm.em.fork().find(OutboxEvent, { key: orderId });
  const recorded = async <K extends keyof HubEvents>(orderId: string, type: K) => {
    const rows = await outboxOf(orderId);
    assert.equal(rows.length, 1, 'exactly one event recorded');
    const envelope = JSON.parse(rows[0]!.envelope);
    assert.equal(rows[0]!.type, type);
    assert.equal(rows[0]!.publishedAt, null);
    assert.equal(envelope.type, type);
    assert.equal(envelope.source, 'hub');
    assert.equal(envelope.key, orderId);
    assert.equal(envelope.version, 1);
    return envelope.data as HubEvents[K];
  };

  test('the hub subgraph exports the handler for order.created', () => {
    assert.equal(handlers['order.created'], onOrderCreated);
  });

  test('Seoul → Busan: route.planned with the path, per-leg ETAs, totals and the order fields passed on', async () => {
    const event = orderCreated();
    await handle(event);
    const data: RoutePlanned = await recorded(event.data.orderId, 'route.planned');
    const legs = [
      [SEOUL, SOUTH],
      [SOUTH, DAEGU],
      [DAEGU, BUSAN],
    ].map(([from, to]) => {
      // The cache asks in hub-id order; the estimate is symmetric anyway.
      const eta = estimateLinkEta(from!, to!);
      return {
        fromHubId: from!.id,
        toHubId: to!.id,
        durationSeconds: eta.durationSeconds,
        distanceMeters: eta.distanceMeters,
        etaSource: 'ESTIMATE' as const,
      };
    });
    assert.deepEqual(data, {
      orderId: event.data.orderId,
      hubs: [SEOUL, SOUTH, DAEGU, BUSAN].map((h) => ({ hubId: h.id, name: h.name, address: h.address })),
      legs,
      totalDurationSeconds: legs.reduce((s, l) => s + l.durationSeconds, 0),
      totalDistanceMeters: legs.reduce((s, l) => s + l.distanceMeters, 0),
      destination: event.data.destination,
      productName: '유기농 쌀 10kg',
      quantity: 3,
      requestNote: 'Before 10:00, please',
      orderCreatedAt: '2026-11-22T01:00:00.000Z',
    });
  });

  test('a same-hub order is planned as one hub and no legs (the original system failed these)', async () => {
    const destination = { kind: 'LOCKER', lockerId: uuidv7() };
    const event = orderCreated({ supplierHubId: DAEGU.id, receiverHubId: DAEGU.id, destination, requestNote: null });
    await handle(event);
    const data = await recorded(event.data.orderId, 'route.planned');
    assert.deepEqual(data.hubs, [{ hubId: DAEGU.id, name: DAEGU.name, address: DAEGU.address }]);
    assert.deepEqual(data.legs, []);
    assert.equal(data.totalDurationSeconds, 0);
    assert.equal(data.totalDistanceMeters, 0);
    assert.deepEqual(data.destination, destination);
    assert.equal(data.requestNote, null);
  });

  test('an unknown hub: route.failed UNKNOWN_HUB naming both hubs', async () => {
    const nowhere = uuidv7();
    const event = orderCreated({ receiverHubId: nowhere });
    await handle(event);
    const data: RouteFailed = await recorded(event.data.orderId, 'route.failed');
    assert.deepEqual(data, {
      orderId: event.data.orderId,
      supplierHubId: SEOUL.id,
      receiverHubId: nowhere,
      reason: 'UNKNOWN_HUB',
    });
  });

  test('a hub no link reaches: route.failed NO_PATH', async () => {
    const island = uuidv7();
    const em = sg.db.orm.em.fork();
    em.create(Hub, {
      id: island,
      seq: 99,
      name: '제주 센터 (no links)',
      address: '제주특별자치도 제주시 문연로 6',
      postalCode: '63122',
      latitude: 33.4890113,
      longitude: 126.4983023,
      central: false,
    });
    await em.flush();
    const event = orderCreated({ supplierHubId: island });
    await handle(event);
    const data = await recorded(event.data.orderId, 'route.failed');
    assert.equal(data.reason, 'NO_PATH');
    assert.equal(data.supplierHubId, island);
    assert.equal(data.receiverHubId, BUSAN.id);
  });

  test('a malformed payload or an unknown version throws (to be dead-lettered) and records nothing', async () => {
    const bad = orderCreated({ quantity: 0 });
    await assert.rejects(handle(bad));
    assert.deepEqual(await outboxOf(bad.data.orderId), []);
    const missing = orderCreated({ destination: { kind: 'FIRM' } });
    await assert.rejects(handle(missing));
    assert.deepEqual(await outboxOf(missing.data.orderId), []);
    const future = { ...orderCreated(), version: 2 };
    await assert.rejects(handle(future), /version 2/);
    assert.deepEqual(await outboxOf(future.data.orderId), []);
  });

  test('a handler rolled back and run again (a redelivery) leaves one event, not two', async () => {
    const event = orderCreated();
    await assert.rejects(
      sg.db.orm.em.fork().transactional(async (em) => {
        await onOrderCreated(event, em);
        await em.flush();
        throw new Error('the consumer crashed before committing');
      }),
    );
    assert.deepEqual(await outboxOf(event.data.orderId), []);
    await handle(event);
    await recorded(event.data.orderId, 'route.planned');
  });
});
