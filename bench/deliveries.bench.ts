/**
 * Deliveries on MariaDB (subgraphs/delivery): what manager assignment and its locks cost.
 * 1. SQL statements for one `route.planned` (Seoul → Busan, 3 hub legs + the last mile: 4 pools locked) and for one
 *    leg move, counted (a count, not a time);
 * 2. the whole life of same-hub deliveries — `route.planned`, then FIRM_DELIVERY_IN_PROGRESS, then
 *    DELIVERY_COMPLETED (the manager goes back to the pool) — by WORKERS concurrent workers: all at one hub (one
 *    pool of 10 managers, so every assignment and release queues on one cursor row) against spread over WORKERS
 *    hubs (a pool each, no queue), in the same run: deliveries/s, the ratio, and p50/p99 of the `route.planned`
 *    handler.
 * Bounded: DELIVERIES lives per variant.
 *   npx tsx bench/deliveries.bench.ts
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInfra } from '../lib/infra/index.js';
import { bootSubgraph } from '../lib/subgraph/boot.js';
import { dropTestDatabases, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { onRoutePlanned } from '../subgraphs/delivery/src/events/route-planned.js';
import { DeliveryService } from '../subgraphs/delivery/src/services/deliveries.service.js';
import { subgraph } from '../subgraphs/delivery/src/server.js';
import {
  BUSAN,
  DAEGU,
  GYEONGGI_SOUTH,
  MASTER,
  SEOUL,
  addManagers,
  deliveryOf,
  em,
  handle,
  routePlanned,
} from '../subgraphs/delivery/test/helpers.js';

const DELIVERIES = 400;
const WORKERS = 8;
const HOT_HUB = 2;
/** Hubs 6 … 13: their demo FIRM driver each, one per worker. */
const SPREAD_HUBS = Array.from({ length: WORKERS }, (_, i) => 6 + i);

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

// Far past one user's operation budget on purpose: the gateway's rate limits would measure themselves.
const config = realServicesConfig({ RATE_LIMITS: 'off' });
const infra = await createInfra(config, {});
let statements = 0;
const sg = await bootSubgraph(subgraph, {
  config,
  infra,
  logger: silentLogger,
  port: 0,
  seed: true,
  onQuery: () => statements++,
});
try {
  console.log(`machine: ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}; MariaDB on loopback`);

  // 1. Statements.
  const route = routePlanned([SEOUL, GYEONGGI_SOUTH, DAEGU, BUSAN]);
  statements = 0;
  await handle(sg, onRoutePlanned, route);
  const perRoute = statements;
  const { legs } = await deliveryOf(sg, route.data.orderId);
  statements = 0;
  await new DeliveryService({ em: em(sg) }).advanceLeg(MASTER, legs[0]!.id, 'MOVING_TO_HUB');
  const perMove = statements;
  statements = 0;
  await new DeliveryService({ em: em(sg) }).advanceLeg(MASTER, legs[0]!.id, 'ARRIVED_DESTINATION_HUB');
  console.log(
    `SQL statements: route.planned (4 legs, 4 pools) ${perRoute}; a leg move ${perMove}; ` +
      `a move that finishes the leg and releases its manager ${statements} (transaction statements included)`,
  );

  // 2. Lifecycles, hot pool against spread pools.
  await addManagers(sg, HOT_HUB, 'FIRM', [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const run = async (hubOf: (worker: number) => number) => {
    const handlerMs: number[] = [];
    let next = 0;
    const worker = async (index: number) => {
      const service = () => new DeliveryService({ em: em(sg) });
      while (next < DELIVERIES) {
        next++;
        const event = routePlanned([hubOf(index)]);
        const t = performance.now();
        await handle(sg, onRoutePlanned, event);
        handlerMs.push(performance.now() - t);
        const [leg] = (await deliveryOf(sg, event.data.orderId)).legs;
        if (!leg?.managerId) throw new Error('every delivery should find its pool’s manager free');
        await service().advanceLeg(MASTER, leg.id, 'FIRM_DELIVERY_IN_PROGRESS');
        await service().advanceLeg(MASTER, leg.id, 'DELIVERY_COMPLETED');
      }
    };
    const t = performance.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    const seconds = (performance.now() - t) / 1000;
    return { perSecond: DELIVERIES / seconds, p50: percentile(handlerMs, 0.5), p99: percentile(handlerMs, 0.99) };
  };
  // Warm-up: connections, JIT, the cursor rows.
  await run(() => HOT_HUB);
  await run((i) => SPREAD_HUBS[i]!);
  const spread = await run((i) => SPREAD_HUBS[i]!);
  const hot = await run(() => HOT_HUB);
  const line = (name: string, r: typeof hot) =>
    `${name}: ${r.perSecond.toFixed(0)} deliveries/s (each 3 transactions), route.planned p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`;
  console.log(line(`spread over ${WORKERS} pools`, spread));
  console.log(line('one hot pool of 10', hot));
  console.log(`hot / spread throughput: ${(hot.perSecond / spread.perSecond).toFixed(2)}× (${WORKERS} workers)`);
} finally {
  await sg.stop();
  await infra.close();
  await dropTestDatabases(config);
}
