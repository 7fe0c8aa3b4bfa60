/**
 * Replicas on the real MariaDB and Redis: two consuming processes on one database, two relays on one outbox, the
 * same event in two transactions at once, and a thousand events end to end. "Processes" are separate ORMs and
 * Redis connections in this one test process.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';
import { createEventProcessor, startEventConsumer } from './consumer.js';
import { realPipelineEnv } from './fixtures/real-env.js';
import { OutboxEvent, type EventHandlers } from './outbox.js';
import {
  addTally,
  assertEachOnce,
  instrument,
  record,
  SECRET,
  silentLogger,
  Tally,
  tallyEvent,
} from './pipeline.contract.js';
import { startOutboxRelay } from './relay.js';
import { signEvent } from './signing.js';
import { until } from './transport.contract.js';
import type { ConsumeOptions, EventTransport } from './transport.js';

const env = realPipelineEnv();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
  await env.cleanUp();
});
const later = <T extends () => Promise<void>>(stop: T) => {
  cleanups.push(stop);
  return stop;
};

async function setUp() {
  const db = await env.database();
  later(() => db.drop());
  return db;
}
const transport = async (of?: EventTransport) => {
  const t = of ? await env.sibling(of) : await env.transport();
  later(() => t.close());
  return t;
};
const consume = (
  orm: MikroORM,
  t: EventTransport,
  handlers: EventHandlers,
  options: ConsumeOptions = { retryDelayMs: 1 },
) =>
  startEventConsumer({
    ...options,
    group: 'consumer',
    handlers,
    orm,
    transport: t,
    secret: SECRET,
    logger: silentLogger,
  });
const relay = (orm: MikroORM, t: EventTransport, pollIntervalMs = 50) =>
  startOutboxRelay({ orm, transport: t, secret: SECRET, logger: silentLogger, pollIntervalMs });

test('two replicas of a consuming subgraph on one database: each event’s effect once, even when one dies mid-event and every event is published twice', async () => {
  const { orm, replica } = await setUp();
  const orm2 = await replica();
  const t1 = await transport();
  const t2 = await transport(t1);
  const by = { one: 0, two: 0 };
  const handlers = (name: keyof typeof by): EventHandlers => ({
    'tally.added': async (e, em) => {
      by[name]++;
      addTally(em, e);
      // Now and then a slow one, so that stopping replica two abandons an event in the middle of its transaction.
      if ((e.data as { seq: number }).seq % 25 === 0) await sleep(150);
    },
  });
  later(await relay(orm, t1));
  later(await consume(orm, t1, handlers('one')));
  const stopTwo = await consume(orm2, t2, handlers('two'), { retryDelayMs: 1, stopTimeoutMs: 20 });
  later(stopTwo);

  const ids: string[] = [];
  const produce = async (count: number) => {
    for (let i = 0; i < count; i++) ids.push((await record(orm, `k${ids.length % 16}`, ids.length + 1)).id);
  };
  // Until both replicas have had a share (the second takes its partitions within a lease period).
  const t0 = Date.now();
  while (ids.length < 200 || by.one === 0 || by.two === 0) {
    assert.ok(Date.now() - t0 < 20_000, `both replicas got work (one ${by.one}, two ${by.two})`);
    await produce(10);
    await sleep(20);
  }
  // Replica two dies (its in-flight event is abandoned); replica one takes over its partitions and pending events.
  await stopTwo();
  await produce(100);
  // And every event once more, as a relay that died before marking would.
  const rows = await orm.em.fork().find(OutboxEvent, {}, { orderBy: { id: 'asc' } });
  await t1.publish(...rows.map((r) => signEvent(JSON.parse(r.envelope), SECRET)));

  await until(async () => (await orm.em.fork().count(Tally, {})) >= ids.length, 30_000, 'every event applied');
  await sleep(300);
  await assertEachOnce(orm, ids);
  assert.ok(by.one > 0 && by.two > 0, `both replicas handled events (one ${by.one}, two ${by.two})`);
  assert.deepEqual(await t1.deadLetters('consumer'), []);
});

test('the same event in two replicas at the same moment: the second waits on the inbox row, then skips it', async () => {
  const { orm, replica } = await setUp();
  const orm2 = await replica();
  let calls = 0;
  const handlers = (failFirst: boolean): EventHandlers => ({
    'tally.added': async (e, em) => {
      calls++;
      addTally(em, e);
      await em.flush();
      await sleep(200);
      if (failFirst && calls === 1) throw new Error('first one fails');
    },
  });
  for (const failFirst of [false, true]) {
    calls = 0;
    const [a, b] = [orm, orm2].map((o) =>
      createEventProcessor({
        group: 'consumer',
        handlers: handlers(failFirst),
        orm: o,
        secret: SECRET,
        logger: silentLogger,
      }),
    );
    const event = signEvent(tallyEvent('same', { label: 'same', seq: failFirst ? 2 : 1 }), SECRET);
    const first = a!(event);
    await sleep(50);
    const second = b!(event);
    const outcomes = await Promise.allSettled([first, second]);
    if (failFirst) {
      // The first rolled back, so its inbox row vanished and the second handled the event.
      assert.equal(outcomes[0]!.status, 'rejected');
      assert.deepEqual(outcomes[1], { status: 'fulfilled', value: 'handled' });
      assert.equal(calls, 2);
    } else {
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason)),
        ['handled', 'duplicate'],
      );
      assert.equal(calls, 1, 'the duplicate never reached the handler');
    }
    assert.equal(await orm.em.fork().count(Tally, { eventId: event.id }), 1);
  }
});

test('two relays on one outbox take turns: every event published once, each key in order', async () => {
  const { orm, replica } = await setUp();
  const orm2 = await replica();
  const base = await transport();
  const one = instrument(base);
  const two = instrument(await transport(base));
  let published1 = 0;
  let published2 = 0;
  const count = (t: EventTransport, add: (n: number) => void): EventTransport => ({
    ...t,
    publish: async (...events) => {
      await t.publish(...events);
      add(events.length);
    },
  });
  later(
    await relay(
      orm,
      count(one.transport, (n) => (published1 += n)),
      20,
    ),
  );
  later(
    await relay(
      orm2,
      count(two.transport, (n) => (published2 += n)),
      20,
    ),
  );
  const seen: { key: string; seq: number; id: string }[] = [];
  later(
    await consume(orm, base, {
      'tally.added': async (e) => void seen.push({ key: e.key, seq: (e.data as { seq: number }).seq, id: e.id }),
    }),
  );
  // Ten keys, each written by one writer in sequence, the writers spread over both databases' connections.
  let seq = 0;
  await Promise.all(
    Array.from({ length: 10 }, async (_, w) => {
      for (let i = 0; i < 30; i++) await record(w % 2 ? orm2 : orm, `w${w}`, ++seq);
    }),
  );
  await until(() => seen.length >= 300, 20_000, 'all 300 arrived');
  await sleep(200);
  assert.equal(seen.length, 300, 'none twice');
  assert.equal(new Set(seen.map((s) => s.id)).size, 300);
  for (let w = 0; w < 10; w++) {
    const seqs = seen.filter((s) => s.key === `w${w}`).map((s) => s.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `order of w${w}`,
    );
  }
  assert.ok(published1 > 0 && published2 > 0, `both relays published (${published1}, ${published2})`);
  assert.equal(await orm.em.fork().count(OutboxEvent, { publishedAt: null }), 0);
});
