/**
 * Orders through the gateway with the demo data, as the demo receiver firm's manager (`receiver_manager`, FIRM_MANAGER
 * of Seoul Office Co.) places, reads and cancels them. The order side only: the chain to routes and deliveries is
 * tested where it is wired.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { errorCode, dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';

const KIMCHI = '0190f000-0000-7000-8000-000300000001';
const SEOUL_OFFICE = '0190f000-0000-7000-8000-000200000004';
const SONGPA_LOCKER = '0190f000-0000-7000-8000-000500000001';

const ORDER = `id status quantity product { name stock firm { name } } receiverFirm { name } locker { name }
  supplierHub { name } receiverHub { name } createdBy { username } cancelReason`;
const CREATE = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { ${ORDER} } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { ${ORDER} } }`;
const LIST = `query($first: Int, $after: String) { orders(first: $first, after: $after) { nodes { id status } endCursor hasNextPage } }`;

const config = realServicesConfig();
let platform: Platform;
const tokens: Record<string, string> = {};

const as = (username: string) => (query: string, variables?: Record<string, unknown>) =>
  postGraphQL(platform.gatewayUrl, query, variables, { authorization: `Bearer ${tokens[username]}` });

before(async () => {
  platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: true });
  for (const username of ['receiver_manager', 'firm_manager', 'member']) {
    const r = await postGraphQL(
      platform.gatewayUrl,
      'mutation($u: String!) { signIn(username: $u, password: "hubgraph-demo") { accessToken } }',
      { u: username },
    );
    tokens[username] = r.body.data!.signIn.accessToken;
  }
});
after(async () => {
  await platform?.stop();
  await dropTestDatabases(config);
});

describe('orders through the gateway', () => {
  const receiver = (query: string, variables?: Record<string, unknown>) => as('receiver_manager')(query, variables);

  test('receiver_manager orders Kimchi for its firm, retries safely, reads it across subgraphs, and cancels it', async () => {
    const input = { productId: KIMCHI, quantity: 5, receiverFirmId: SEOUL_OFFICE, idempotencyKey: randomUUID() };
    const created = await receiver(CREATE, { input });
    assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
    const order = created.body.data!.createOrder;
    assert.deepEqual(
      { ...order, id: undefined },
      {
        id: undefined,
        status: 'CREATED',
        quantity: 5,
        product: { name: 'Kimchi 10kg', stock: 495, firm: { name: 'Hanbit Foods' } },
        receiverFirm: { name: 'Seoul Office Co.' },
        locker: null,
        supplierHub: { name: '경기 남부 센터' }, // hub subgraph
        receiverHub: { name: '서울특별시 센터' },
        createdBy: { username: 'receiver_manager' }, // user subgraph
        cancelReason: null,
      },
    );

    const retried = await receiver(CREATE, { input });
    assert.equal(retried.body.data!.createOrder.id, order.id);
    assert.equal(retried.body.data!.createOrder.product.stock, 495, 'reserved once');
    const reused = await receiver(CREATE, { input: { ...input, quantity: 6 } });
    assert.equal(errorCode(reused), 'IDEMPOTENCY_KEY_REUSED');

    const listed = await receiver(LIST, { first: 50 });
    assert.ok(listed.body.data!.orders.nodes.some((n: { id: string }) => n.id === order.id));
    // The supplier's manager sees the order of its product, but only its creator (or a MASTER, or the receiver
    // hub's manager) may cancel it.
    const supplierView = await as('firm_manager')(LIST, { first: 50 });
    assert.ok(supplierView.body.data!.orders.nodes.some((n: { id: string }) => n.id === order.id));
    assert.equal(errorCode(await as('firm_manager')(CANCEL, { id: order.id })), 'FORBIDDEN');

    const cancelled = await receiver(CANCEL, { id: order.id });
    assert.equal(cancelled.body.errors, undefined, JSON.stringify(cancelled.body.errors));
    assert.equal(cancelled.body.data!.cancelOrder.status, 'CANCELLED');
    assert.equal(cancelled.body.data!.cancelOrder.cancelReason, 'USER');
    assert.equal(cancelled.body.data!.cancelOrder.product.stock, 500, 'stock restored');
  });

  test('to a locker: the locker subgraph names it and gives its hub', async () => {
    const input = { productId: KIMCHI, quantity: 1, lockerId: SONGPA_LOCKER, idempotencyKey: randomUUID() };
    const r = await receiver(CREATE, { input });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const order = r.body.data!.createOrder;
    assert.deepEqual(order.locker, { name: 'Songpa Shared Office' });
    assert.deepEqual(order.receiverHub, { name: '서울특별시 센터' });
    assert.deepEqual(order.receiverFirm, { name: 'Seoul Office Co.' });
    const unknown = await receiver(CREATE, {
      input: { ...input, lockerId: randomUUID(), idempotencyKey: randomUUID() },
    });
    assert.equal(errorCode(unknown), 'BAD_USER_INPUT');
    assert.equal(unknown.body.errors![0]!.extensions!.field, 'lockerId');
  });

  test('a member may not order, and out-of-stock says what is left', async () => {
    const input = { productId: KIMCHI, quantity: 1, receiverFirmId: SEOUL_OFFICE, idempotencyKey: randomUUID() };
    assert.equal(errorCode(await as('member')(CREATE, { input })), 'FORBIDDEN');
    const short = await receiver(CREATE, { input: { ...input, quantity: 10_000 } });
    assert.equal(errorCode(short), 'OUT_OF_STOCK');
    assert.equal(short.body.errors![0]!.extensions!.requested, 10_000);
    assert.equal(typeof short.body.errors![0]!.extensions!.available, 'number');
  });
});
