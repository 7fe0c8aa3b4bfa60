/**
 * Events end to end (docs/events.md §4) on the real MariaDB and Redis, against the raw Redis Streams ceiling measured
 * in the same run:
 * 1. ceiling: XADD → XREADGROUP BLOCK → XACK on one stream, no database: one message at a time (round trip, p50/p99)
 *    and a burst (messages/s);
 * 2. pipeline: a transaction records an event in the outbox → the relay (nudged by the commit) publishes it signed →
 *    the consumer runner verifies it and handles it in a transaction with its inbox row → acknowledged:
 *    - latency from the producer's commit to the consumer's commit, one event at a time (p50/p99);
 *    - a live burst: BURST events from WRITERS concurrent writers while the pipeline runs (events/s; latency under
 *      that load, where producing and consuming share the process and the database);
 *    - draining a backlog: BURST events recorded while no relay ran, then relay + consumer alone (events/s);
 * 3. the database's share: the consumer's transaction alone (inbox row + effect, no Redis, no relay), four at a time
 *    as the consumer's four partitions run, on the same MariaDB: the most the drain could reach.
 * Bounded: fixed counts, and the whole run gives up after LIMIT_MS.
 *   npx tsx bench/events.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type RedisClientType } from 'redis';
import { testServiceUrls } from '../lib/config/index.js';
import { startEventConsumer } from '../lib/events/consumer.js';
import { realPipelineEnv } from '../lib/events/fixtures/real-env.js';
import { InboxEvent } from '../lib/events/outbox.js';
import { addTally, record, SECRET, silentLogger, tallyEvent } from '../lib/events/pipeline.contract.js';
import { startOutboxRelay } from '../lib/events/relay.js';
import type { EventTransport } from '../lib/events/transport.js';

const ROUND_TRIPS = 300;
const RAW_BURST = 5000;
const PACED = 300;
const BURST = 2000;
const WRITERS = 8;
const LIMIT_MS = 240_000;

const limit = setTimeout(() => {
  console.error(`gave up after ${LIMIT_MS / 1000} s`);
  process.exit(1);
}, LIMIT_MS);
limit.unref();

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

// 1. The ceiling: Redis Streams alone.
const { redisUrl } = testServiceUrls();
const stream = `hgbench:${randomBytes(4).toString('hex')}:raw`;
const producer: RedisClientType = createClient({ url: redisUrl });
const reader = producer.duplicate();
for (const c of [producer, reader]) c.on('error', (err: Error) => console.error(err));
await Promise.all([producer.connect(), reader.connect()]);
let rawRtt: number[] = [];
let rawRate: number;
try {
  await producer.xGroupCreate(stream, 'g', '0', { MKSTREAM: true });
  const read = async (count: number) => {
    const reply = (await reader.xReadGroup('g', 'c', { key: stream, id: '>' }, { COUNT: count, BLOCK: 1000 })) as
      { messages: { id: string }[] }[] | null;
    const ids = reply?.[0]?.messages.map((m) => m.id) ?? [];
    if (ids.length) await producer.xAck(stream, 'g', ids);
    return ids.length;
  };
  const payload = { e: JSON.stringify({ padding: 'x'.repeat(400) }) };
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t = performance.now();
    await producer.xAdd(stream, '*', payload);
    while ((await read(1)) === 0);
    rawRtt.push(performance.now() - t);
  }
  rawRtt = rawRtt.slice(20);
  const t0 = performance.now();
  const consumed = (async () => {
    for (let n = 0; n < RAW_BURST;) n += await read(100);
  })();
  for (let i = 0; i < RAW_BURST; i += 100) {
    const multi = producer.multi();
    for (let j = 0; j < 100; j++) multi.xAdd(stream, '*', payload);
    await multi.exec();
  }
  await consumed;
  rawRate = RAW_BURST / ((performance.now() - t0) / 1000);
} finally {
  await producer.del(stream);
  await Promise.all([producer.close(), reader.close()]);
}
console.log(
  `ceiling, Redis Streams alone: XADD→XREADGROUP→XACK one at a time p50 ${ms(percentile(rawRtt, 0.5))}  p99 ${ms(percentile(rawRtt, 0.99))}; burst ${rawRate.toFixed(0)} msg/s (${RAW_BURST})`,
);

// 2. The pipeline.
const env = realPipelineEnv({ leaseMs: 10_000, blockMs: 1000 });
const db = await env.database();
const transport = await env.transport();
const committed = new Map<string, number>();
const latencies: number[] = [];
// Stamps the consumer's commit: the runner's handler resolves after its transaction committed.
const stamped: EventTransport = {
  ...transport,
  consume: (group, handler, options) =>
    transport.consume(
      group,
      async (event, delivery) => {
        await handler(event, delivery);
        const t = committed.get(event.id);
        if (t !== undefined) latencies.push(performance.now() - t);
      },
      options,
    ),
};
const relay = () => startOutboxRelay({ orm: db.orm, transport, secret: SECRET, logger: silentLogger });
const stopConsumer = await startEventConsumer({
  group: 'bench',
  handlers: { 'tally.added': async (e, em) => addTally(em, e) },
  orm: db.orm,
  transport: stamped,
  secret: SECRET,
  logger: silentLogger,
});
let stopRelay = await relay();
let seq = 0;
const produce = async () => {
  const event = await record(db.orm, `k${seq % 64}`, ++seq);
  committed.set(event.id, performance.now());
};
const writers = (count: number) =>
  Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = 0; i < count / WRITERS; i++) await produce();
    }),
  );
try {
  for (let i = 0; i < 20; i++) await produce();
  await until(() => latencies.length >= 20);
  latencies.length = 0;
  for (let i = 0; i < PACED; i++) {
    const before = latencies.length;
    await produce();
    await until(() => latencies.length > before);
  }
  const paced = latencies.splice(0);
  console.log(
    `pipeline, outbox → relay → Redis Streams → consumer with inbox (MariaDB), one at a time: commit→handled p50 ${ms(percentile(paced, 0.5))}  p99 ${ms(percentile(paced, 0.99))} (${PACED})`,
  );

  let t0 = performance.now();
  await writers(BURST);
  const producedRate = BURST / ((performance.now() - t0) / 1000);
  await until(() => latencies.length >= BURST);
  const liveRate = BURST / ((performance.now() - t0) / 1000);
  const live = latencies.splice(0);
  console.log(
    `pipeline, live burst of ${WRITERS} writers: ${liveRate.toFixed(0)} events/s handled (the writers committed ${producedRate.toFixed(0)}/s meanwhile); commit→handled p50 ${ms(percentile(live, 0.5))}  p99 ${ms(percentile(live, 0.99))} (${BURST})`,
  );

  await stopRelay();
  await writers(BURST);
  latencies.length = 0;
  t0 = performance.now();
  stopRelay = await relay();
  await until(() => latencies.length >= BURST);
  const drainRate = BURST / ((performance.now() - t0) / 1000);
  console.log(`pipeline, draining a backlog of ${BURST}: ${drainRate.toFixed(0)} events/s (relay + Redis + consumer)`);

  // 3. The consumer's transaction alone, on the same database, four lanes.
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < BURST / 4; i++) {
        const event = tallyEvent('db', { label: 'db', seq: i });
        await db.orm.em.fork().transactional(async (em) => {
          em.create(InboxEvent, { id: event.id, type: event.type, handledAt: new Date() });
          await em.flush();
          addTally(em, event);
        });
      }
    }),
  );
  const dbRate = BURST / ((performance.now() - t1) / 1000);
  console.log(`database alone, the consumer's transaction (inbox + effect), 4 at a time: ${dbRate.toFixed(0)} tx/s`);
  console.log(
    `ratios: latency p50 pipeline / Redis round trip ${(percentile(paced, 0.5) / percentile(rawRtt, 0.5)).toFixed(1)}×; drain / Redis burst ${(drainRate / rawRate).toFixed(3)}×; drain / database alone ${(drainRate / dbRate).toFixed(2)}×`,
  );
} finally {
  await stopConsumer();
  await stopRelay();
  await transport.close();
  await db.drop();
  await env.cleanUp();
}

async function until(cond: () => boolean) {
  while (!cond()) await sleep(1);
}
