/**
 * Orders on MariaDB, called as the gateway would (with a passport), with the locker subgraph running beside the
 * order subgraph so that locker destinations are checked with their owner.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MikroORM } from '@mikro-orm/core';
import { errorCode, startTestSubgraphs, type GraphQLResponse, type TestSubgraph } from '../../../lib/testing/index.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import { loadSubgraphs } from '../../../tools/subgraphs.js';
import { IdempotencyKey } from '../src/entities/idempotency-key.entity.js';
import { Order } from '../src/entities/order.entity.js';
import {
  CANCEL_ORDER,
  CREATE_ORDER,
  DEMO,
  ORDER,
  ORDERS,
  VIEWERS,
  createProduct,
  firmOrder,
  outboxFor,
  stockOf,
} from './fixtures.js';

let sg: TestSubgraph;
let orm: MikroORM;
let close: (() => Promise<void>) | undefined;

before(async () => {
  const defs = (await loadSubgraphs()).filter((d) => ['order', 'locker'].includes(d.name));
  const started = await startTestSubgraphs(defs, { seed: true, mqtt: true });
  close = started.close;
  sg = started.subgraphs.order!;
  orm = sg.db.orm;
});
after(() => close?.());

const create = (input: Record<string, unknown>, as = VIEWERS.receiverManager) =>
  sg.request(CREATE_ORDER, { input }, as);
const cancel = (id: string, as = VIEWERS.receiverManager) => sg.request(CANCEL_ORDER, { id }, as);
const ordersOf = (productId: string) => orm.em.fork().count(Order, { productId });
const keysOf = (userId: string) => orm.em.fork().count(IdempotencyKey, { userId });

describe('createOrder', () => {
  test('a receiver firm manager orders for its firm: CREATED, stock reserved, order.created recorded', async () => {
    const productId = await createProduct(orm, 10, 'Green Tea Box');
    const r = await create(firmOrder(productId, 3, { requestNote: '  before 10:00, gate 2 ' }));
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const order = r.body.data!.createOrder;
    assert.deepEqual(
      { ...order, id: undefined, createdAt: undefined, updatedAt: undefined },
      {
        id: undefined,
        status: 'CREATED',
        quantity: 3,
        productName: 'Green Tea Box',
        unitPrice: 1000,
        destinationKind: 'FIRM',
        requestNote: 'before 10:00, gate 2',
        cancelReason: null,
        cancelledAt: null,
        createdAt: undefined,
        updatedAt: undefined,
        product: { id: productId, stock: 7 },
        supplierFirm: { id: DEMO.hanbitFoods },
        supplierHub: { id: DEMO.gyeonggiSouthHub },
        receiverFirm: { id: DEMO.seoulOffice },
        locker: null,
        receiverHub: { id: DEMO.seoulHub },
        createdBy: { id: DEMO.receiverManagerId },
      },
    );
    assert.equal(await stockOf(orm, productId), 7);
    assert.deepEqual(await outboxFor(orm, order.id), [
      {
        type: 'order.created',
        data: {
          orderId: order.id,
          productId,
          productName: 'Green Tea Box',
          quantity: 3,
          supplierFirmId: DEMO.hanbitFoods,
          supplierHubId: DEMO.gyeonggiSouthHub,
          receiverHubId: DEMO.seoulHub,
          destination: {
            kind: 'FIRM',
            firmId: DEMO.seoulOffice,
            name: 'Seoul Office Co.',
            address: '서울특별시 송파구 송파대로 55',
          },
          requestNote: 'before 10:00, gate 2',
          createdBy: DEMO.receiverManagerId,
          createdAt: order.createdAt,
        },
      },
    ]);
  });

  test('the same key and payload return the same order; other payload → IDEMPOTENCY_KEY_REUSED; keys are per user', async () => {
    const productId = await createProduct(orm, 10);
    const input = firmOrder(productId, 2);
    const first = await create(input);
    const again = await create({ ...input, requestNote: '   ' }); // a blank note is no note: the same payload
    assert.equal(again.body.data!.createOrder.id, first.body.data!.createOrder.id);
    assert.equal(await stockOf(orm, productId), 8, 'reserved once');
    assert.equal(await ordersOf(productId), 1);

    const theirs = await create(input, VIEWERS.master);
    assert.notEqual(theirs.body.data!.createOrder.id, first.body.data!.createOrder.id, 'keys are per user');
    for (const other of [{ quantity: 3 }, { requestNote: 'urgent' }, { productId: DEMO.kimchi }]) {
      assert.equal(errorCode(await create({ ...input, ...other })), 'IDEMPOTENCY_KEY_REUSED', JSON.stringify(other));
    }
    assert.equal(await ordersOf(productId), 2);
    assert.equal(await stockOf(orm, productId), 6);
  });

  test('a key past its retention no longer deduplicates: it serves a new order', async () => {
    const productId = await createProduct(orm, 10);
    const input = firmOrder(productId, 1);
    const first = (await create(input)).body.data!.createOrder.id;
    await orm.em.fork().nativeUpdate(IdempotencyKey, { orderId: first }, { expiresAt: new Date(Date.now() - 1000) });
    const later = await create({ ...input, quantity: 2 });
    assert.equal(later.body.errors, undefined, JSON.stringify(later.body.errors));
    assert.notEqual(later.body.data!.createOrder.id, first);
    assert.equal(await orm.em.fork().count(IdempotencyKey, { orderId: first }), 0, 'the expired key was removed');
    assert.equal(await stockOf(orm, productId), 7);
  });

  test('who may order: FIRM_MANAGER of another firm, MEMBER, HUB_MANAGER, DELIVERY_MANAGER are FORBIDDEN', async () => {
    const productId = await createProduct(orm, 10);
    for (const as of [
      VIEWERS.gwangjuManager,
      VIEWERS.supplierManager,
      VIEWERS.member,
      VIEWERS.seoulHubManager,
      VIEWERS.deliveryManager,
    ]) {
      assert.equal(errorCode(await create(firmOrder(productId, 1), as)), 'FORBIDDEN', as.role);
    }
    // A supplier's manager naming its own firm as receiver passes the role check, not the firm check.
    const own = await create(firmOrder(productId, 1, { receiverFirmId: DEMO.hanbitFoods }), VIEWERS.supplierManager);
    assert.equal(errorCode(own), 'BAD_USER_INPUT');
    assert.equal(own.body.errors![0]!.extensions!.field, 'receiverFirmId');
    // …and to a locker, a supplier's manager orders for its own firm, which is no receiver.
    const locker = await create(
      { productId, quantity: 1, lockerId: DEMO.songpaLocker, idempotencyKey: uuidv7() },
      VIEWERS.supplierManager,
    );
    assert.equal(errorCode(locker), 'FORBIDDEN');
    assert.equal(await stockOf(orm, productId), 10);
    assert.equal(await ordersOf(productId), 0);
  });

  test('bad input is BAD_USER_INPUT with the field, and writes nothing', async () => {
    const productId = await createProduct(orm, 10);
    const cases: [Record<string, unknown>, string][] = [
      [firmOrder(uuidv7(), 1), 'productId'],
      [firmOrder(productId, 0), 'quantity'],
      [firmOrder(productId, 10_001), 'quantity'],
      [firmOrder(productId, 1, { receiverFirmId: uuidv7() }), 'receiverFirmId'],
      [firmOrder(productId, 1, { receiverFirmId: DEMO.hanbitFoods }), 'receiverFirmId'],
      [firmOrder(productId, 1, { lockerId: DEMO.songpaLocker }), 'lockerId'],
      [{ ...firmOrder(productId, 1), receiverFirmId: null }, 'receiverFirmId'],
      [firmOrder(productId, 1, { idempotencyKey: ' ' }), 'idempotencyKey'],
      [firmOrder(productId, 1, { requestNote: 'x'.repeat(501) }), 'requestNote'],
      [firmOrder(productId, 1, { receiverFirmId: 'not-an-id' }), 'receiverFirmId'],
    ];
    for (const [input, field] of cases) {
      const r = await create(input, VIEWERS.master);
      assert.equal(errorCode(r), 'BAD_USER_INPUT', `${field}: ${JSON.stringify(r.body.errors)}`);
      assert.equal(r.body.errors![0]!.extensions!.field, field);
    }
    assert.equal(await ordersOf(productId), 0);
    assert.equal(await stockOf(orm, productId), 10);
  });

  test('OUT_OF_STOCK says what was short and leaves no key behind, so the same key can be retried', async () => {
    const productId = await createProduct(orm, 5);
    const keysBefore = await keysOf(DEMO.receiverManagerId);
    const input = firmOrder(productId, 6);
    const short = await create(input);
    assert.equal(errorCode(short), 'OUT_OF_STOCK');
    assert.deepEqual(
      { ...short.body.errors![0]!.extensions, code: undefined },
      { code: undefined, productId, available: 5, requested: 6 },
    );
    assert.equal(await keysOf(DEMO.receiverManagerId), keysBefore);
    assert.equal(await ordersOf(productId), 0);
    // The original error reaches the caller again on a retry; a smaller order then goes through with the same key.
    assert.equal(errorCode(await create(input)), 'OUT_OF_STOCK');
    const retry = await create({ ...input, quantity: 5 });
    assert.equal(retry.body.data!.createOrder.product.stock, 0);
    assert.equal(await stockOf(orm, productId), 0);
  });

  test('to a locker: its hub is asked of the locker subgraph; an unknown locker is BAD_USER_INPUT lockerId', async () => {
    const productId = await createProduct(orm, 10);
    const byMaster = await create(
      { productId, quantity: 1, lockerId: DEMO.songpaLocker, idempotencyKey: uuidv7() },
      VIEWERS.master,
    );
    assert.equal(byMaster.body.errors, undefined, JSON.stringify(byMaster.body.errors));
    const order = byMaster.body.data!.createOrder;
    assert.equal(order.destinationKind, 'LOCKER');
    assert.deepEqual(order.locker, { id: DEMO.songpaLocker });
    assert.deepEqual(order.receiverHub, { id: DEMO.seoulHub }, "the Songpa locker's hub");
    assert.equal(order.receiverFirm, null);
    const [created] = await outboxFor(orm, order.id);
    assert.deepEqual(created!.data.destination, { kind: 'LOCKER', lockerId: DEMO.songpaLocker });
    assert.equal(created!.data.receiverHubId, DEMO.seoulHub);

    // A receiver's firm manager sending to a locker orders for its own firm.
    const byFirm = await create({ productId, quantity: 1, lockerId: DEMO.songpaLocker, idempotencyKey: uuidv7() });
    assert.deepEqual(byFirm.body.data!.createOrder.receiverFirm, { id: DEMO.seoulOffice });

    const unknown = await create({ productId, quantity: 1, lockerId: uuidv7(), idempotencyKey: uuidv7() });
    assert.equal(errorCode(unknown), 'BAD_USER_INPUT');
    assert.equal(unknown.body.errors![0]!.extensions!.field, 'lockerId');
    assert.equal(await stockOf(orm, productId), 8);
  });
});

describe('cancelOrder', () => {
  test('restores the stock and records order.cancelled once; cancelling again returns the order unchanged', async () => {
    const productId = await createProduct(orm, 10);
    const id = (await create(firmOrder(productId, 4))).body.data!.createOrder.id;
    assert.equal(await stockOf(orm, productId), 6);
    const r = await cancel(id);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const cancelled = r.body.data!.cancelOrder;
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(cancelled.cancelReason, 'USER');
    assert.equal(cancelled.product.stock, 10);
    const events = await outboxFor(orm, id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['order.created', 'order.cancelled'],
    );
    assert.deepEqual(events[1]!.data, {
      orderId: id,
      reason: 'USER',
      cancelledBy: DEMO.receiverManagerId,
      cancelledAt: cancelled.cancelledAt,
    });

    const again = await cancel(id, VIEWERS.master);
    assert.equal(again.body.errors, undefined);
    assert.equal(again.body.data!.cancelOrder.cancelledAt, cancelled.cancelledAt);
    assert.equal(await stockOf(orm, productId), 10, 'restored once');
    assert.equal((await outboxFor(orm, id)).length, 2, 'no second event');
  });

  test('who may cancel: the creator, the receiver hub manager, MASTER; others FORBIDDEN or NOT_FOUND', async () => {
    const productId = await createProduct(orm, 10);
    const place = async () => (await create(firmOrder(productId, 1))).body.data!.createOrder.id as string;
    const id = await place();
    assert.equal(errorCode(await cancel(id, VIEWERS.gwangjuManager)), 'NOT_FOUND', 'not in its scope');
    assert.equal(errorCode(await cancel(id, VIEWERS.busanHubManager)), 'NOT_FOUND');
    assert.equal(errorCode(await cancel(id, VIEWERS.receiverColleague)), 'FORBIDDEN', 'sees it, did not create it');
    assert.equal(errorCode(await cancel(id, VIEWERS.supplierManager)), 'FORBIDDEN');
    assert.equal(errorCode(await cancel(id, VIEWERS.supplierHubManager)), 'FORBIDDEN');
    assert.equal(errorCode(await cancel(id, VIEWERS.member)), 'FORBIDDEN');
    assert.equal(errorCode(await cancel(uuidv7(), VIEWERS.master)), 'NOT_FOUND');
    assert.equal(await stockOf(orm, productId), 9);
    for (const as of [VIEWERS.receiverManager, VIEWERS.seoulHubManager, VIEWERS.master]) {
      const other = as === VIEWERS.receiverManager ? id : await place();
      assert.equal((await cancel(other, as)).body.data?.cancelOrder.status, 'CANCELLED', as.role);
    }
    assert.equal(await stockOf(orm, productId), 10);
  });

  test('an order in transit cannot be cancelled: INVALID_ORDER_TRANSITION naming the allowed ones', async () => {
    const productId = await createProduct(orm, 10);
    const id = (await create(firmOrder(productId, 2))).body.data!.createOrder.id;
    await orm.em.fork().nativeUpdate(Order, { id }, { status: 'IN_TRANSIT' });
    const r = await cancel(id);
    assert.equal(errorCode(r), 'INVALID_ORDER_TRANSITION');
    assert.deepEqual(r.body.errors![0]!.extensions, {
      code: 'INVALID_ORDER_TRANSITION',
      status: 'IN_TRANSIT',
      to: 'CANCELLED',
      allowed: ['COMPLETED'],
    });
    assert.equal(await stockOf(orm, productId), 8);
  });
});

describe('reading orders', () => {
  test('order(id) answers within the scope of the role, null outside it; MEMBER is FORBIDDEN', async () => {
    const productId = await createProduct(orm, 10);
    const id = (await create(firmOrder(productId, 1))).body.data!.createOrder.id;
    const read = async (as: (typeof VIEWERS)[keyof typeof VIEWERS]) => (await sg.request(ORDER, { id }, as)).body;
    for (const as of [
      VIEWERS.master,
      VIEWERS.receiverManager,
      VIEWERS.receiverColleague,
      VIEWERS.supplierManager,
      VIEWERS.seoulHubManager,
      VIEWERS.supplierHubManager,
    ]) {
      assert.equal((await read(as)).data?.order?.id, id, as.role);
    }
    assert.equal((await read(VIEWERS.gwangjuManager)).data?.order, null);
    assert.equal((await read(VIEWERS.busanHubManager)).data?.order, null);
    assert.equal((await sg.request(ORDER, { id: uuidv7() }, VIEWERS.master)).body.data?.order, null);
    for (const as of [VIEWERS.member, VIEWERS.deliveryManager]) {
      assert.equal((await read(as)).errors?.[0]?.extensions?.code, 'FORBIDDEN');
    }
  });

  test('orders pages newest first with no duplicates or gaps, within the role scope, while orders keep coming', async () => {
    const productId = await createProduct(orm, 100);
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) mine.push((await create(firmOrder(productId, 1))).body.data!.createOrder.id);
    const gwangju = (await create(firmOrder(productId, 1, { receiverFirmId: DEMO.gwangjuRetail }), VIEWERS.master)).body
      .data!.createOrder.id as string;

    const walk = async (as: (typeof VIEWERS)[keyof typeof VIEWERS], first: number, extra = {}) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 1000; page++) {
        const r: GraphQLResponse = await sg.request(ORDERS, { first, after, ...extra }, as);
        assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
        const { nodes, endCursor, hasNextPage } = r.body.data!.orders;
        assert.ok(nodes.length <= first);
        seen.push(...nodes.map((n: { id: string }) => n.id));
        if (page === 0) await create(firmOrder(productId, 1)); // a new order lands before the next page
        if (!hasNextPage) break;
        after = endCursor;
      }
      return seen;
    };

    const all = await walk(VIEWERS.master, 3);
    assert.equal(new Set(all).size, all.length, 'no duplicates');
    assert.deepEqual(all, [...all].sort().reverse(), 'newest first');
    const total = await orm.em.fork().count(Order, {});
    assert.equal(all.length, total - 1, 'every order but the one created after the first page');
    const expectedMine = [...mine].reverse();
    const firmView = await walk(VIEWERS.receiverManager, 2);
    assert.deepEqual(
      firmView.filter((id) => mine.includes(id)),
      expectedMine,
      'no gaps among its own orders',
    );
    assert.ok(!firmView.includes(gwangju), 'another firm’s order is out of its scope');
    const seoulHub = await walk(VIEWERS.seoulHubManager, 100);
    assert.ok(!seoulHub.includes(gwangju));
    const supplierHub = await walk(VIEWERS.supplierHubManager, 100); // every test product is Hanbit Foods'
    assert.ok(supplierHub.includes(gwangju) && mine.every((id) => supplierHub.includes(id)));
    const gwangjuFirm = await walk(VIEWERS.gwangjuManager, 100);
    assert.deepEqual(gwangjuFirm, [gwangju]);

    const cancelled = await walk(VIEWERS.master, 50, { status: 'CANCELLED' });
    const rows = await orm.em.fork().find(Order, { status: 'CANCELLED' }, { orderBy: { id: 'desc' } });
    assert.deepEqual(
      cancelled,
      rows.map((o) => o.id),
    );
  });

  test('orders refuses a foreign cursor, a page size out of bounds, and roles without orders', async () => {
    const bad = async (variables: Record<string, unknown>, field: string) => {
      const r = await sg.request(ORDERS, variables, VIEWERS.master);
      assert.equal(errorCode(r), 'BAD_USER_INPUT');
      assert.equal(r.body.errors![0]!.extensions!.field, field);
    };
    await bad({ after: 'bm90LWEtY3Vyc29y' }, 'after');
    await bad({ first: 0 }, 'first');
    await bad({ first: 101 }, 'first');
    assert.equal(errorCode(await sg.request(ORDERS, {}, VIEWERS.member)), 'FORBIDDEN');
    assert.equal(errorCode(await sg.request(ORDERS, {}, VIEWERS.deliveryManager)), 'FORBIDDEN');
  });
});
