/**
 * The order → route → delivery chain through the gateway, on the real MariaDB and Redis Streams: a receiver's
 * firm manager orders, the hub subgraph plans the route on `order.created`, the delivery subgraph makes the legs
 * and assigns managers on `route.planned`, the managers advance their own legs, and the order follows the
 * delivery (`delivery.created/started/completed`). Compensations: a route that cannot be found cancels the order
 * and restores its stock; a cancelled order cancels its delivery and releases its managers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws/client';
import { createClient as createRedisClient } from 'redis';
import WebSocket from 'ws';
import { testServiceUrls } from '../lib/config/index.js';
import { uuidv7 } from '../lib/orm/columns.js';
import { dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';
import { Hub } from '../subgraphs/hub/src/entities/hub.entity.js';
import { Firm } from '../subgraphs/order/src/entities/firm.entity.js';
import { Product } from '../subgraphs/order/src/entities/product.entity.js';
import { DeliveryManager } from '../subgraphs/delivery/src/entities/delivery-manager.entity.js';

const config = realServicesConfig();
let platform: Platform;
const KIMCHI = '0190f000-0000-7000-8000-000300000001'; // Hanbit Foods, Gyeonggi South
const SEOUL_OFFICE = '0190f000-0000-7000-8000-000200000004'; // a RECEIVER at the Seoul hub
const DAEJEON_LOCKER = '0190f000-0000-7000-8000-000500000003'; // four compartments

const q = async <T = any>(query: string, variables: Record<string, unknown>, token: string) => {
  const r = await postGraphQL<T>(platform.gatewayUrl, query, variables, { authorization: `Bearer ${token}` });
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data!;
};
const tokens = new Map<string, string>();
async function tokenOf(username: string) {
  if (!tokens.has(username)) {
    const r = await postGraphQL(
      platform.gatewayUrl,
      'mutation($u: String!) { signIn(username: $u, password: "hubgraph-demo") { accessToken } }',
      { u: username },
    );
    tokens.set(username, r.body.data!.signIn.accessToken);
  }
  return tokens.get(username)!;
}
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

const ORDER = `query($id: ID!) { order(id: $id) { id status cancelReason
  delivery { id status legs { id sequence kind status nextStatuses manager { id available user { username } } } } } }`;
const CREATE = 'mutation($i: CreateOrderInput!) { createOrder(input: $i) { id status } }';
const readOrder = async (id: string) => (await q(ORDER, { id }, await tokenOf('master'))).order;
const stockOf = async (id: string) =>
  (await q('query($id: ID!) { product(id: $id) { stock } }', { id }, await tokenOf('master'))).product.stock as number;

before(async () => {
  platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: true });
});
after(async () => {
  await platform?.stop();
  await dropTestDatabases(config);
});

describe('order → route → delivery', () => {
  test('an order travels its route leg by leg, advanced by its assigned managers, and completes', async () => {
    const receiver = await tokenOf('receiver_manager');
    const stockBefore = await stockOf(KIMCHI);
    const { createOrder } = await q(
      CREATE,
      { i: { productId: KIMCHI, quantity: 3, receiverFirmId: SEOUL_OFFICE, idempotencyKey: uuidv7() } },
      receiver,
    );
    assert.equal(createOrder.status, 'CREATED');
    assert.equal(await stockOf(KIMCHI), stockBefore - 3, 'stock is reserved with the order');

    // The chain: order.created → route.planned → delivery.created → the order moves to PROCESSING.
    const planned = await eventually(
      () => readOrder(createOrder.id),
      (o) => o.status === 'PROCESSING' && o.delivery,
      'a delivery',
    );
    const legs = planned.delivery.legs as {
      id: string;
      kind: string;
      manager: { user: { username: string } } | null;
    }[];
    assert.deepEqual(
      legs.map((l) => l.kind),
      ['HUB', 'LAST_MILE'],
      'Gyeonggi South → Seoul, then the last mile',
    );
    assert.deepEqual(
      legs.map((l) => l.manager?.user.username),
      ['delivery_manager', 'driver01'],
      'managers assigned round robin',
    );

    // Each manager advances its own leg through every status; the order follows the delivery.
    for (const leg of legs) {
      const manager = await tokenOf(leg.manager!.user.username);
      for (;;) {
        const current = (await readOrder(createOrder.id)).delivery.legs.find((l: { id: string }) => l.id === leg.id);
        if (current.nextStatuses.length === 0) break;
        await q(
          'mutation($l: ID!, $to: DeliveryStatus!) { advanceDeliveryLeg(legId: $l, to: $to) { status } }',
          { l: leg.id, to: current.nextStatuses[0] },
          manager,
        );
      }
      if (leg.kind === 'HUB')
        await eventually(
          () => readOrder(createOrder.id),
          (o) => o.status === 'IN_TRANSIT',
          'IN_TRANSIT',
        );
    }
    const completed = await eventually(
      () => readOrder(createOrder.id),
      (o) => o.status === 'COMPLETED',
      'COMPLETED',
    );
    assert.equal(completed.delivery.status, 'DELIVERY_COMPLETED');
    assert.ok(
      completed.delivery.legs.every((l: { manager: { available: boolean } }) => l.manager.available),
      'managers released',
    );
  });

  test('deliveryUpdated follows the delivery live through the gateway, with the order’s status from its own subgraph', async () => {
    const receiver = await tokenOf('receiver_manager');
    const { createOrder } = await q(
      CREATE,
      { i: { productId: KIMCHI, quantity: 1, receiverFirmId: SEOUL_OFFICE, idempotencyKey: uuidv7() } },
      receiver,
    );
    const client = createClient({
      url: platform.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${receiver}` },
      retryAttempts: 0,
    });
    try {
      type Update = {
        deliveryUpdated: { status: string; order: { id: string; status: string }; legs: { status: string }[] };
      };
      const updates = client.iterate<Update>({
        query: 'subscription($o: ID!) { deliveryUpdated(orderId: $o) { status order { id status } legs { status } } }',
        variables: { o: createOrder.id },
      });
      // The subscription may start before or after the delivery is made; cancelling the order is a change either way.
      const planned = await eventually(
        () => readOrder(createOrder.id),
        (o) => o.delivery,
        'a delivery',
      );
      const first = updates.next();
      // Change nothing until the subscription has reached the delivery subgraph's Redis channel.
      const channel = `${'url' in config.redis ? config.redis.prefix : ''}delivery:${createOrder.id}`;
      const redis = createRedisClient({ url: testServiceUrls().redisUrl });
      await redis.connect();
      try {
        await eventually(
          async () => (await redis.pubSubNumSub([channel]))[channel],
          (n) => Number(n) > 0,
          'the upstream subscription',
        );
      } finally {
        await redis.close();
      }
      await q('mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: createOrder.id }, receiver);
      const seen: Update['deliveryUpdated'][] = [];
      for (let result = await first; !result.done; result = await updates.next()) {
        assert.equal(result.value.errors, undefined, JSON.stringify(result.value.errors));
        seen.push(result.value.data!.deliveryUpdated);
        if (seen.at(-1)!.status === 'DELIVERY_CANCELLED') break;
      }
      const last = seen.at(-1)!;
      assert.equal(last.status, 'DELIVERY_CANCELLED');
      assert.deepEqual(
        last.order,
        { id: createOrder.id, status: 'CANCELLED' },
        'the order subgraph answered for the event',
      );
      assert.equal(last.legs.length, planned.delivery.legs.length);
      await updates.return!();
    } finally {
      await client.dispose();
    }
  });

  test('a delivery manager cannot advance a leg assigned to someone else', async () => {
    const receiver = await tokenOf('receiver_manager');
    const { createOrder } = await q(
      CREATE,
      { i: { productId: KIMCHI, quantity: 1, receiverFirmId: SEOUL_OFFICE, idempotencyKey: uuidv7() } },
      receiver,
    );
    const order = await eventually(
      () => readOrder(createOrder.id),
      (o) => o.delivery,
      'a delivery',
    );
    const first = order.delivery.legs[0];
    const other = await postGraphQL(
      platform.gatewayUrl,
      'mutation($l: ID!, $to: DeliveryStatus!) { advanceDeliveryLeg(legId: $l, to: $to) { status } }',
      { l: first.id, to: first.nextStatuses[0] },
      { authorization: `Bearer ${await tokenOf('driver05')}` },
    );
    assert.equal(other.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    await q('mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: createOrder.id }, receiver);
  });

  test('a cancelled order cancels its delivery and releases its managers', async () => {
    const receiver = await tokenOf('receiver_manager');
    const stockBefore = await stockOf(KIMCHI);
    const { createOrder } = await q(
      CREATE,
      { i: { productId: KIMCHI, quantity: 2, receiverFirmId: SEOUL_OFFICE, idempotencyKey: uuidv7() } },
      receiver,
    );
    const planned = await eventually(
      () => readOrder(createOrder.id),
      (o) => o.delivery && o.delivery.legs.every((l: { manager: unknown }) => l.manager),
      'assigned legs',
    );
    assert.ok(
      planned.delivery.legs.every((l: { manager: { available: boolean } }) => !l.manager.available),
      'assigned managers are busy',
    );
    const cancelled = await q(
      'mutation($id: ID!) { cancelOrder(id: $id) { status cancelReason } }',
      { id: createOrder.id },
      receiver,
    );
    assert.deepEqual(cancelled.cancelOrder, { status: 'CANCELLED', cancelReason: 'USER' });
    assert.equal(await stockOf(KIMCHI), stockBefore);
    const after = await eventually(
      () => readOrder(createOrder.id),
      (o) => o.delivery.status === 'DELIVERY_CANCELLED',
      'the delivery cancelled',
    );
    assert.ok(
      after.delivery.legs.every(
        (l: { status: string; manager: { available: boolean } }) =>
          l.status === 'DELIVERY_CANCELLED' && l.manager.available,
      ),
    );
  });

  test('a route that cannot be found cancels the order and restores its stock', async () => {
    // An island: a hub with no links, and a receiver firm there (test fixtures written by their owners' databases).
    const islandHub = uuidv7();
    const hubEm = platform.subgraphs.hub.db.orm.em.fork();
    hubEm.create(Hub, {
      id: islandHub,
      seq: 99,
      name: 'Island hub',
      address: 'nowhere',
      postalCode: '00000',
      latitude: 33.5,
      longitude: 126.5,
      central: false,
    });
    await hubEm.flush();
    const islandFirm = uuidv7();
    const orderEm = platform.subgraphs.order.db.orm.em.fork();
    orderEm.create(Firm, {
      id: islandFirm,
      name: 'Island Receiver',
      type: 'RECEIVER',
      hubId: islandHub,
      address: 'nowhere',
    });
    await orderEm.flush();

    const master = await tokenOf('master');
    const stockBefore = await stockOf(KIMCHI);
    const { createOrder } = await q(
      CREATE,
      { i: { productId: KIMCHI, quantity: 4, receiverFirmId: islandFirm, idempotencyKey: uuidv7() } },
      master,
    );
    const cancelled = await eventually(
      () => readOrder(createOrder.id),
      (o) => o.status === 'CANCELLED',
      'the compensation',
    );
    assert.equal(cancelled.cancelReason, 'NO_ROUTE');
    assert.equal(cancelled.delivery, null, 'no delivery was made');
    assert.equal(await stockOf(KIMCHI), stockBefore, 'the stock is back');
    assert.ok((await orderEm.fork().findOneOrFail(Product, { id: KIMCHI })).stock >= 0);
  });

  test('an order to a locker holds a compartment; when none is free the order is cancelled (NO_COMPARTMENT)', async () => {
    const receiver = await tokenOf('receiver_manager');
    const stockBefore = await stockOf(KIMCHI);
    const toLocker = () =>
      q(
        CREATE,
        { i: { productId: KIMCHI, quantity: 1, lockerId: DAEJEON_LOCKER, idempotencyKey: uuidv7() } },
        receiver,
      );
    // Four compartments: four orders are held (reservation.created reaches the delivery's last mile) …
    const held = [];
    for (let i = 0; i < 4; i++) held.push((await toLocker()).createOrder.id as string);
    for (const id of held) {
      await eventually(
        () => readOrder(id),
        (o) => o.status === 'PROCESSING',
        `order ${id} planned`,
      );
    }
    // … and a fifth finds none free: the locker rejects, the order is cancelled and its unit returns.
    const fifth = (await toLocker()).createOrder.id as string;
    const cancelled = await eventually(
      () => readOrder(fifth),
      (o) => o.status === 'CANCELLED',
      'the rejection saga',
    );
    assert.equal(cancelled.cancelReason, 'NO_COMPARTMENT');
    assert.equal(await stockOf(KIMCHI), stockBefore - 4);
    // Cancelling the held ones releases their compartments (order.cancelled → locker) and their deliveries.
    for (const id of held) await q('mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id }, receiver);
    assert.equal(await stockOf(KIMCHI), stockBefore);
    await eventually(
      async () =>
        (
          await q(
            'query($id: ID!) { locker(id: $id) { compartments { state } } }',
            { id: DAEJEON_LOCKER },
            await tokenOf('master'),
          )
        ).locker.compartments as { state: string }[],
      (compartments) => compartments.every((c) => c.state === 'AVAILABLE'),
      'the compartments released',
    );
  });

  test('after all of it, no delivery manager is left busy', async () => {
    const busy = await eventually(
      () => platform.subgraphs.delivery.db.orm.em.fork().count(DeliveryManager, { available: false }),
      (n) => n === 0,
      'every manager released',
    );
    assert.equal(busy, 0);
  });
});
