/**
 * Stock and idempotency under concurrency, on MariaDB: many createOrder requests at once against one product, and
 * one key retried many times at once. The locker subgraph is deliberately unreachable here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MikroORM } from '@mikro-orm/core';
import { errorCode, startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import { IdempotencyKey } from '../src/entities/idempotency-key.entity.js';
import { Order } from '../src/entities/order.entity.js';
import { subgraph as orderSubgraph } from '../src/server.js';
import { KeyTurns } from '../src/services/key-turns.js';
import { OrderService } from '../src/services/orders.service.js';
import { CANCEL_ORDER, CREATE_ORDER, DEMO, VIEWERS, createProduct, firmOrder, outboxFor, stockOf } from './fixtures.js';

let sg: TestSubgraph;
let orm: MikroORM;

before(async () => {
  sg = await startTestSubgraph(orderSubgraph, {
    seed: true,
    peers: { url: (name) => `http://127.0.0.1:1/${name}-is-not-running` },
  });
  orm = sg.db.orm;
});
after(() => sg?.close());

const create = (input: Record<string, unknown>, as = VIEWERS.receiverManager) =>
  sg.request(CREATE_ORDER, { input }, as);

/** Runs `count` calls of `call`, `concurrency` at a time (each batch all at once). */
async function inBatches<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, j) => call(start + j));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

/** The product's stock and its orders' reserved units, straight from the database. */
async function ledger(productId: string) {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ stock: number; orders: number; reserved: number | null }[]>(
      `select p.stock, count(o.id) as orders, sum(o.quantity) as reserved
         from products p left join orders o on o.product_id = p.id and o.status <> 'CANCELLED'
        where p.id = ? group by p.stock`,
      [productId],
    );
  const row = rows[0]!;
  return { stock: Number(row.stock), orders: Number(row.orders), reserved: Number(row.reserved ?? 0) };
}

describe('stock under concurrency', () => {
  test('250 concurrent orders on a stock of 50: exactly 50 orders, stock 0, the rest OUT_OF_STOCK', async () => {
    const productId = await createProduct(orm, 50);
    const results = await Promise.all(Array.from({ length: 250 }, () => create(firmOrder(productId, 1))));
    const placed = results.filter((r) => r.body.data?.createOrder);
    const short = results.filter((r) => errorCode(r) === 'OUT_OF_STOCK');
    assert.equal(placed.length, 50);
    assert.equal(
      short.length,
      200,
      JSON.stringify(results.find((r) => !r.body.data && errorCode(r) !== 'OUT_OF_STOCK')),
    );
    for (const r of short) {
      assert.deepEqual(r.body.errors![0]!.extensions, { code: 'OUT_OF_STOCK', productId, available: 0, requested: 1 });
    }
    assert.deepEqual(await ledger(productId), { stock: 0, orders: 50, reserved: 50 });
    const created = await orm.em.fork().find(Order, { productId });
    const events = await Promise.all(created.map((o) => outboxFor(orm, o.id)));
    assert.ok(
      events.every((e) => e.length === 1 && e[0]!.type === 'order.created'),
      'one order.created per order',
    );
  });

  test('mixed quantities at once never oversell: what was reserved plus what is left is what there was', async () => {
    const productId = await createProduct(orm, 100);
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => create(firmOrder(productId, 1 + (i % 5)))));
    const reserved = results.reduce((sum, r) => sum + (r.body.data?.createOrder?.quantity ?? 0), 0);
    assert.ok(results.every((r) => r.body.data?.createOrder || errorCode(r) === 'OUT_OF_STOCK'));
    for (const r of results.filter((x) => errorCode(x) === 'OUT_OF_STOCK')) {
      const { available, requested } = r.body.errors![0]!.extensions as { available: number; requested: number };
      assert.ok(available >= 0 && available < requested, `short by what it says: ${available} < ${requested}`);
    }
    const after = await ledger(productId);
    assert.equal(after.reserved, reserved);
    assert.equal(after.stock + after.reserved, 100);
    assert.ok(after.stock >= 0 && after.stock < 5, `stock ${after.stock} left: every size fitting it was tried`);
  });

  test('1,000 retries of one key, 100 at a time: one order, one reservation, one event, one key', async () => {
    const productId = await createProduct(orm, 10);
    const input = firmOrder(productId, 2);
    const results = await inBatches(1000, 100, () => create(input));
    const ids = new Set(results.map((r) => r.body.data?.createOrder?.id ?? JSON.stringify(r.body.errors)));
    assert.equal(ids.size, 1, [...ids].slice(0, 3).join('\n'));
    const [id] = ids;
    assert.deepEqual(await ledger(productId), { stock: 8, orders: 1, reserved: 2 });
    assert.equal((await outboxFor(orm, id!)).length, 1);
    assert.equal(await orm.em.fork().count(IdempotencyKey, { orderId: id }), 1);
  });

  test('one key raced with two payloads: one order, the loser is IDEMPOTENCY_KEY_REUSED (never a 500)', async () => {
    const productId = await createProduct(orm, 100);
    for (let round = 0; round < 5; round++) {
      const key = uuidv7();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => create(firmOrder(productId, 1 + (i % 2), { idempotencyKey: key }))),
      );
      const orders = new Set(results.flatMap((r) => (r.body.data?.createOrder ? [r.body.data.createOrder.id] : [])));
      assert.equal(orders.size, 1);
      const codes = new Set(results.flatMap((r) => (r.body.errors ? [errorCode(r)] : [])));
      assert.ok(
        [...codes].every((c) => c === 'IDEMPOTENCY_KEY_REUSED'),
        [...codes].join(),
      );
    }
    assert.equal((await ledger(productId)).orders, 5);
  });

  test('one key retried while other orders take the last units: one order for it or OUT_OF_STOCK, never a 500', async () => {
    for (let round = 0; round < 5; round++) {
      const productId = await createProduct(orm, 3);
      const retried = firmOrder(productId, 1);
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => create(i % 2 ? retried : firmOrder(productId, 1))),
      );
      const codes = new Set(results.flatMap((r) => (r.body.errors ? [errorCode(r)] : [])));
      assert.deepEqual([...codes], ['OUT_OF_STOCK']);
      const forKey = new Set(results.filter((_, i) => i % 2).flatMap((r) => r.body.data?.createOrder?.id ?? []));
      assert.ok(forKey.size <= 1, 'at most one order for the retried key');
      assert.deepEqual(await ledger(productId), { stock: 0, orders: 3, reserved: 3 });
    }
  });

  test('one key retried from many processes at once while the stock runs out: deadlocks retried, never an error', async () => {
    // Each call has its own KeyTurns, as each process would: nothing keeps the retries apart but the key's unique
    // index, where InnoDB deadlocks the waiters whenever the holder rolls back. Three attempts were seen to run out.
    const lockers = { hubOf: async () => null };
    for (let round = 0; round < 3; round++) {
      const productId = await createProduct(orm, 3);
      const retried = firmOrder(productId, 1);
      const place = (input: ReturnType<typeof firmOrder>) =>
        new OrderService({ em: orm.em.fork(), lockers, readCommitted: true, turns: new KeyTurns() })
          .create(VIEWERS.receiverManager, input)
          .then((o) => ({ id: o.id, code: null }))
          .catch((err: { code?: string }) => ({ id: null, code: err.code ?? String(err) }));
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => place(i % 2 ? retried : firmOrder(productId, 1))),
      );
      assert.deepEqual([...new Set(results.flatMap((r) => r.code ?? []))], ['OUT_OF_STOCK']);
      assert.ok(new Set(results.filter((_, i) => i % 2).flatMap((r) => r.id ?? [])).size <= 1);
      assert.deepEqual(await ledger(productId), { stock: 0, orders: 3, reserved: 3 });
    }
  });

  test('concurrent cancels of one order restore its stock once and record one order.cancelled', async () => {
    const productId = await createProduct(orm, 10);
    const id = (await create(firmOrder(productId, 4))).body.data!.createOrder.id;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sg.request(CANCEL_ORDER, { id }, i % 2 ? VIEWERS.master : VIEWERS.receiverManager),
      ),
    );
    assert.ok(
      results.every((r) => r.body.data?.cancelOrder.status === 'CANCELLED'),
      JSON.stringify(results[0]),
    );
    assert.equal(await stockOf(orm, productId), 10);
    assert.deepEqual(
      (await outboxFor(orm, id)).map((e) => e.type),
      ['order.created', 'order.cancelled'],
    );
  });

  test('a locker order while the locker subgraph cannot be asked: SERVICE_UNAVAILABLE, nothing reserved', async () => {
    const productId = await createProduct(orm, 10);
    const r = await create({ productId, quantity: 1, lockerId: DEMO.songpaLocker, idempotencyKey: uuidv7() });
    assert.equal(errorCode(r), 'SERVICE_UNAVAILABLE');
    assert.deepEqual(r.body.errors![0]!.extensions, { code: 'SERVICE_UNAVAILABLE' }, 'no internal detail');
    assert.deepEqual(await ledger(productId), { stock: 10, orders: 0, reserved: 0 });
  });
});
