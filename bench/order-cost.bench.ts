/**
 * What one order costs the deployed platform (bench/deployed.ts) end to end: ORDERS createOrder requests through the
 * gateway, one after another, then a pause for the chain they start (order.created → route.planned →
 * delivery.created and its handlers) to finish. Prints, per order: SQL statements MariaDB received (its global
 * `Questions` counter, so run it on a quiet server), Redis commands (`total_commands_processed`), and CPU
 * milliseconds in each service's process. Then the same for orders refused OUT_OF_STOCK (the request path alone),
 * and those again from CONCURRENCY clients at once: the request path's throughput and CPU per request when requests
 * overlap, the floor under the order burst's latency. It is the instrument for the order benchmark's CPU figures:
 * which service, and how many round trips.
 *   npx tsx bench/order-cost.bench.ts [orders]     (default 200; services run on the Node that runs this file)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { createClient } from 'redis';
import { testServiceUrls } from '../lib/config/index.js';
import { uuidv7 } from '../lib/orm/columns.js';
import { postGraphQL } from '../lib/testing/index.js';
import { startDeployedPlatform, type ServiceName } from './deployed.js';

const ORDERS = Number(process.argv[2] ?? 200);
const SETTLE_MS = 5000;
const CONCURRENCY = 16;
const CONCURRENT_REFUSALS = 3000;
const SEOUL_OFFICE = '0190f000-0000-7000-8000-000200000004';
const HANBIT_FOODS = '0190f000-0000-7000-8000-000200000001';
const CREATE = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }`;

const platform = await startDeployedPlatform({ env: { RATE_LIMITS: 'off' } });
const db = await mysql.createConnection({ uri: platform.databaseUrl, database: platform.databaseName('order') });
const redis = createClient({ url: testServiceUrls().redisUrl });
await redis.connect();
try {
  const questions = async () =>
    Number((await db.query<mysql.RowDataPacket[]>("show global status like 'Questions'"))[0][0]!.Value);
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]);
  const signIn = await postGraphQL(
    platform.gatewayUrl,
    'mutation { signIn(username: "receiver_manager", password: "hubgraph-demo") { accessToken } }',
  );
  if (!signIn.body.data) throw new Error(`could not sign in: ${JSON.stringify(signIn.body)}`);
  const headers = { authorization: `Bearer ${signIn.body.data.signIn.accessToken}` };

  const order = async (productId: string, expect: 'OK' | 'OUT_OF_STOCK') => {
    const input = { productId, quantity: 1, receiverFirmId: SEOUL_OFFICE, idempotencyKey: randomUUID() };
    const r = await postGraphQL(platform.gatewayUrl, CREATE, { input }, headers);
    const outcome = r.body.data?.createOrder ? 'OK' : r.body.errors?.[0]?.extensions?.code;
    if (outcome !== expect) throw new Error(`expected ${expect}, got ${JSON.stringify(r.body)}`);
  };

  const measure = async (stock: number, expect: 'OK' | 'OUT_OF_STOCK') => {
    const productId = uuidv7();
    await db.execute(
      'insert into products (id, firm_id, name, stock, price, created_at, updated_at) values (?, ?, ?, ?, 1000, now(3), now(3))',
      [productId, HANBIT_FOODS, `Cost ${productId}`, stock],
    );
    const [cpu, sql, cmds] = [await platform.cpuSeconds(), await questions(), await commands()];
    for (let i = 0; i < ORDERS; i++) await order(productId, expect);
    await sleep(SETTLE_MS);
    const after = await platform.cpuSeconds();
    const perService = (Object.keys(after) as ServiceName[]).map(
      (name) => [name, ((after[name] - cpu[name]) * 1000) / ORDERS] as const,
    );
    const total = perService.reduce((sum, [, ms]) => sum + ms, 0);
    console.log(
      `${expect === 'OK' ? 'placed' : 'refused (OUT_OF_STOCK)'}, per order over ${ORDERS}: ` +
        `${((await questions()) - sql - 1) / ORDERS} SQL statements, ${((await commands()) - cmds - 1) / ORDERS} Redis commands, ` +
        `${total.toFixed(1)} ms CPU (${perService.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')})`,
    );
    return productId;
  };
  console.log(`services on Node ${process.version}; idle CPU during the ${SETTLE_MS} ms pauses is included`);
  await measure(1_000_000, 'OK');
  const soldOut = await measure(0, 'OUT_OF_STOCK');

  const cpu = await platform.cpuSeconds();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CONCURRENT_REFUSALS) await order(soldOut, 'OUT_OF_STOCK');
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await platform.cpuSeconds();
  const perService = (Object.keys(after) as ServiceName[]).map(
    (name) => [name, ((after[name] - cpu[name]) * 1000) / CONCURRENT_REFUSALS] as const,
  );
  console.log(
    `refused, ${CONCURRENCY} clients at once: ${(CONCURRENT_REFUSALS / seconds).toFixed(0)} requests/s, CPU per request ` +
      perService.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ') +
      ` ms: a burst of 250 needs ${(((250 * (after.order - cpu.order)) / CONCURRENT_REFUSALS) * 1000).toFixed(0)} ms of the order ` +
      `subgraph's process and ${(((250 * (after.gateway - cpu.gateway)) / CONCURRENT_REFUSALS) * 1000).toFixed(0)} ms of the gateway's`,
  );
} finally {
  await db.end();
  await redis.quit();
  await platform.stop();
}
