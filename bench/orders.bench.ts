/**
 * Orders through the gateway on the real services, deployed as docker-compose runs them (bench/deployed.ts: built,
 * one process per service), against the database's own ceiling measured in the same run:
 * 1. raw ceiling: the conditional stock update createOrder relies on (`stock = stock - 1 WHERE id = ? AND stock >= 1`),
 *    sent straight to MariaDB by CONCURRENCY clients over a pool as large as the order subgraph's, on one hot row;
 * 2. burst: 250 createOrder requests at once on a stock of 50 (the test): per-request latency percentiles,
 *    and a check that exactly 50 succeeded and the stock ended at 0;
 * 3. sustained: SUSTAINED createOrder requests through the gateway by CONCURRENCY clients on one product, then
 *    the same spread over one product per client, with the CPU each order costs in each service's process (the
 *    whole chain: order, route, delivery and their events, which run meanwhile).
 * Prints each figure and the ratio sustained ÷ raw. Bounded by the counts below.
 *   npx tsx bench/orders.bench.ts   (needs MariaDB, Redis and Mosquitto, like the tests; the services run on the Node
 *   that runs this file: put Node 24 first on PATH to measure what the production image runs)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { postGraphQL } from '../lib/testing/index.js';
import { uuidv7 } from '../lib/orm/columns.js';
import { startDeployedPlatform, type ServiceName } from './deployed.js';

const SEOUL_OFFICE = '0190f000-0000-7000-8000-000200000004';
const HANBIT_FOODS = '0190f000-0000-7000-8000-000200000001';
const BURST = { orders: 250, stock: 50 };
const CONCURRENCY = 16;
const RAW_UPDATES = 5000;
const SUSTAINED = 1000;
const WARMUP = 50;
/** The order subgraph's pool (lib/orm: max 10), so the raw clients get no more connections than it has. */
const POOL = 10;

const CREATE = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id status } }`;

// Far past one user's operation budget on purpose: the gateway's rate limits would measure themselves.
const platform = await startDeployedPlatform({ env: { RATE_LIMITS: 'off' } });
const pool = mysql.createPool({
  uri: platform.databaseUrl,
  database: platform.databaseName('order'),
  connectionLimit: POOL,
});
try {
  const signIn = await postGraphQL(
    platform.gatewayUrl,
    'mutation { signIn(username: "receiver_manager", password: "hubgraph-demo") { accessToken } }',
  );
  const headers = { authorization: `Bearer ${signIn.body.data!.signIn.accessToken}` };
  const product = async (stock: number) => {
    const id = uuidv7();
    await pool.execute(
      'insert into products (id, firm_id, name, stock, price, created_at, updated_at) values (?, ?, ?, ?, 1000, now(3), now(3))',
      [id, HANBIT_FOODS, `Bench ${id}`, stock],
    );
    return id;
  };
  const order = (productId: string) =>
    postGraphQL(
      platform.gatewayUrl,
      CREATE,
      { input: { productId, quantity: 1, receiverFirmId: SEOUL_OFFICE, idempotencyKey: randomUUID() } },
      headers,
    );
  const stockOf = async (id: string) => {
    const [rows] = await pool.query<mysql.RowDataPacket[]>('select stock from products where id = ?', [id]);
    return Number(rows[0]!.stock);
  };
  /** Runs `total` calls of `call` from `clients` concurrent loops; returns calls per second. */
  const throughput = async (total: number, clients: number, call: () => Promise<void>) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next++ < total) await call();
      }),
    );
    return total / ((performance.now() - started) / 1000);
  };

  // Warm both paths (connections, JIT, query plans) before measuring either.
  const warm = await product(1_000_000);
  await throughput(WARMUP, CONCURRENCY, async () => void (await order(warm)));
  const rawProduct = await product(RAW_UPDATES);
  const RAW_SQL = 'update products set stock = stock - 1 where id = ? and stock >= 1';
  await throughput(WARMUP, CONCURRENCY, async () => void (await pool.execute(RAW_SQL, [warm])));

  // 1. The raw ceiling on one hot row.
  const raw = await throughput(RAW_UPDATES, CONCURRENCY, async () => {
    const [result] = await pool.execute<mysql.ResultSetHeader>(RAW_SQL, [rawProduct]);
    if (result.affectedRows !== 1) throw new Error('raw update took nothing');
  });
  console.log(`services on Node ${process.version}`);
  console.log(
    `raw conditional update on one row: ${raw.toFixed(0)} updates/s (${CONCURRENCY} clients, pool ${POOL}, autocommit)`,
  );

  // 2. The burst: 250 at once on a stock of 50.
  const burstProduct = await product(BURST.stock);
  const burst = await Promise.all(
    Array.from({ length: BURST.orders }, async () => {
      const t = performance.now();
      const r = await order(burstProduct);
      return {
        ms: performance.now() - t,
        code: r.body.data?.createOrder ? 'OK' : r.body.errors?.[0]?.extensions?.code,
      };
    }),
  );
  const times = burst.map((b) => b.ms).sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  const counts = burst.reduce<Record<string, number>>(
    (acc, b) => ({ ...acc, [String(b.code)]: (acc[String(b.code)] ?? 0) + 1 }),
    {},
  );
  console.log(
    `burst ${BURST.orders} on stock ${BURST.stock}: p50 ${pct(0.5).toFixed(1)} ms  p95 ${pct(0.95).toFixed(1)} ms  ` +
      `p99 ${pct(0.99).toFixed(1)} ms  max ${times[times.length - 1]!.toFixed(1)} ms (goal p99 ≤ 100 ms); ` +
      `outcomes ${JSON.stringify(counts)}, stock left ${await stockOf(burstProduct)}`,
  );
  if (counts.OK !== BURST.stock || (await stockOf(burstProduct)) !== 0)
    throw new Error('the burst oversold or undersold');

  // 3. Sustained orders through the gateway, on one hot product, then spread over one product per client: equal rates mean
  // the hot row is not what limits them. CPU per order shows what does (one process runs the gateway, the five
  // subgraphs and these clients).
  const sustainedRun = async (products: string[]) => {
    const cpu = process.cpuUsage();
    const before = await platform.cpuSeconds();
    let client = 0;
    const rate = await throughput(SUSTAINED, CONCURRENCY, async () => {
      const r = await order(products[client++ % products.length]!);
      if (!r.body.data?.createOrder) throw new Error(JSON.stringify(r.body.errors));
    });
    const after = await platform.cpuSeconds();
    const used = process.cpuUsage(cpu);
    const perOrderMs = Object.fromEntries(
      Object.keys(after).map((name) => [
        name,
        ((after[name as ServiceName] - before[name as ServiceName]) * 1000) / SUSTAINED,
      ]),
    ) as Record<ServiceName, number>;
    return { rate, perOrderMs, clientMs: (used.user + used.system) / 1000 / SUSTAINED };
  };
  const hot = await sustainedRun([await product(SUSTAINED)]);
  const spread = await sustainedRun(await Promise.all(Array.from({ length: CONCURRENCY }, () => product(SUSTAINED))));
  const services = Object.entries(hot.perOrderMs);
  console.log(
    `sustained createOrder via the gateway: ${hot.rate.toFixed(0)} orders/s on one product, ` +
      `${spread.rate.toFixed(0)} orders/s on ${CONCURRENCY} products (${CONCURRENCY} clients); CPU per order ` +
      `${services.reduce((sum, [, ms]) => sum + ms, 0).toFixed(1)} ms in the services (` +
      services.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ') +
      `; sampled by the next ${SUSTAINED} orders' window, events included), the bench's clients ${hot.clientMs.toFixed(1)} ms`,
  );
  console.log(`ratio sustained (one product) ÷ raw ceiling: ${(hot.rate / raw).toFixed(3)} (goal ≥ 0.25)`);
} finally {
  await pool.end();
  await platform.stop();
}
