/**
 * Outbox → relay → transport → consumer runner (with its inbox), end to end, as one suite: pipeline.test.ts runs it
 * embedded (SQLite, in-process transport), pipeline.int.test.ts on MariaDB and Redis Streams.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineEntity, p, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../logger/index.js';
import { idColumn } from '../orm/columns.js';
import { createEventProcessor, startEventConsumer } from './consumer.js';
import { createEvent, type EventEnvelope } from './envelope.js';
import { EVENT_ENTITIES, handlerFor, InboxEvent, Outbox, OutboxEvent, type EventHandlers } from './outbox.js';
import { startOutboxRelay } from './relay.js';
import { pruneInbox, pruneOutbox } from './retention.js';
import { signEvent } from './signing.js';
import { until } from './transport.contract.js';
import { RejectedEventError, type ConsumeOptions, type DeliveryHandler, type EventTransport } from './transport.js';

/** The effect of a handled event: one row per handling, so a second handling would show as a second row. */
export const Tally = defineEntity({
  name: 'Tally',
  tableName: 'tallies',
  properties: {
    id: idColumn(),
    eventId: p.string().length(36),
    label: p.string().length(100),
    seq: p.integer(),
  },
});

export const PIPELINE_ENTITIES = [Tally, ...EVENT_ENTITIES];

export type TallyEvents = {
  'tally.added': { label: string; seq: number };
  'tally.ignored': { label: string };
};

export const SECRET = 'pipeline-test-secret-of-at-least-32-characters';
export const silentLogger = createLogger('silent', 'test');
export const outbox = new Outbox<TallyEvents>('test');

/** A `tally.added` envelope that went through no outbox. */
export const tallyEvent = (key: string, data: TallyEvents['tally.added']) =>
  createEvent<TallyEvents, 'tally.added'>('test', 'tally.added', key, data);

/** Records `tally.added` in a transaction of its own and returns the event. */
export function record(orm: MikroORM, label: string, seq: number, key = label) {
  return orm.em.fork().transactional(async (em) => outbox.record(em, 'tally.added', key, { label, seq }));
}

/** A handler that writes one Tally row per handling. */
export const addTally = (em: EntityManager, event: EventEnvelope) => {
  const { label, seq } = event.data as TallyEvents['tally.added'];
  em.create(Tally, { eventId: event.id, label, seq });
};

export const tallies = (orm: MikroORM) => orm.em.fork().find(Tally, {}, { orderBy: { seq: 'asc' } });

/** Every event id of `ids` has exactly one Tally row, and there are no others. */
export async function assertEachOnce(orm: MikroORM, ids: string[]) {
  const rows = await tallies(orm);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.eventId, (counts.get(row.eventId) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no event applied twice');
  assert.deepEqual([...counts.keys()].sort(), [...ids].sort(), 'every event applied');
}

export interface PipelineEnv {
  /** A fresh database with PIPELINE_ENTITIES; `replica()` opens it again (another process on the same data). */
  database(): Promise<{ orm: MikroORM; replica(): Promise<MikroORM>; drop(): Promise<void> }>;
  /** A fresh transport; `sibling(t)` another connection to the same streams (another process). */
  transport(): Promise<EventTransport>;
  sibling(of: EventTransport): Promise<EventTransport>;
}

/** Wraps a transport to count deliveries by event id, or to fail after publishing. */
export function instrument(inner: EventTransport, options: { crashAfterPublish?: boolean } = {}) {
  const deliveries = new Map<string, number>();
  const transport: EventTransport = {
    async publish(...events) {
      await inner.publish(...events);
      if (options.crashAfterPublish) throw new Error('relay died after publishing');
    },
    consume: (group: string, handler: DeliveryHandler, consumeOptions?: ConsumeOptions) =>
      inner.consume(
        group,
        async (event, delivery) => {
          deliveries.set(event.id, (deliveries.get(event.id) ?? 0) + 1);
          await handler(event, delivery);
        },
        consumeOptions,
      ),
    deadLetters: (group, limit) => inner.deadLetters(group, limit),
    replayDeadLetters: (group) => inner.replayDeadLetters(group),
    close: () => inner.close(),
  };
  return { transport, deliveries };
}

export function describePipelineContract(name: string, env: PipelineEnv): void {
  describe(`${name}: outbox → relay → transport → consumer`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    });
    /** A database, a transport, and stoppers registered for the end of the suite (stopped in reverse order). */
    const setUp = async () => {
      const db = await env.database();
      cleanups.push(() => db.drop());
      const transport = await env.transport();
      cleanups.push(() => transport.close());
      const started: (() => Promise<void>)[] = [];
      cleanups.push(async () => {
        for (const stop of started.splice(0).reverse()) await stop();
      });
      const track = (stop: () => Promise<void>) => {
        started.push(stop);
        return stop;
      };
      return { ...db, transport, track };
    };
    const fast: ConsumeOptions = { retryDelayMs: 1, stopTimeoutMs: 200 };
    const consumer = (
      orm: MikroORM,
      transport: EventTransport,
      handlers: EventHandlers,
      options: ConsumeOptions = fast,
      group = 'consumer',
    ) => startEventConsumer({ ...options, group, handlers, orm, transport, secret: SECRET, logger: silentLogger });
    const relay = (orm: MikroORM, transport: EventTransport, pollIntervalMs = 60_000) =>
      startOutboxRelay({ orm, transport, secret: SECRET, logger: silentLogger, pollIntervalMs });

    test('a committed event leaves at the commit’s nudge (no poll), signed, is handled once and marked published', async () => {
      const { orm, transport, track } = await setUp();
      // The poll is a minute away: only the commit's nudge can make the event leave within the test.
      track(await relay(orm, transport));
      track(await consumer(orm, transport, { 'tally.added': async (e, em) => addTally(em, e) }));
      const event = await record(orm, 'a', 1);
      await until(async () => (await tallies(orm)).length === 1, 5000, 'the event was handled');
      const row = await orm.em.fork().findOneOrFail(OutboxEvent, event.id);
      assert.ok(row.publishedAt instanceof Date, 'marked published');
      assert.ok(await orm.em.fork().findOne(InboxEvent, event.id), 'in the inbox');
      assert.deepEqual(await transport.deadLetters('consumer'), []);
    });

    test('events leave in the order they were recorded: each key’s events are handled in that order', async () => {
      const { orm, transport, track } = await setUp();
      const handled: { key: string; seq: number }[] = [];
      // Recorded before the relay starts: the first rounds find them all waiting.
      for (let seq = 1; seq <= 30; seq++) await record(orm, `k${seq % 3}`, seq);
      track(
        await consumer(orm, transport, {
          'tally.added': async (e, em) => {
            addTally(em, e);
            handled.push({ key: e.key, seq: (e.data as { seq: number }).seq });
          },
        }),
      );
      track(await relay(orm, transport, 50));
      await until(() => handled.length === 30, 10_000, 'all 30 handled');
      for (const key of ['k0', 'k1', 'k2']) {
        const seqs = handled.filter((h) => h.key === key).map((h) => h.seq);
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          `order of ${key}`,
        );
      }
    });

    test('the event of a transaction that rolled back is never published', async () => {
      const { orm, transport, track } = await setUp();
      const { transport: counted, deliveries } = instrument(transport);
      track(await relay(orm, counted));
      track(await consumer(orm, counted, { 'tally.added': async (e, em) => addTally(em, e) }));
      await assert.rejects(
        orm.em.fork().transactional(async (em) => {
          outbox.record(em, 'tally.added', 'x', { label: 'x', seq: 1 });
          await em.flush();
          throw new Error('the change failed');
        }),
      );
      const kept = await record(orm, 'y', 2);
      await until(() => deliveries.size === 1, 5000, 'the committed event arrived');
      assert.deepEqual([...deliveries.keys()], [kept.id]);
      assert.equal(await orm.em.fork().count(OutboxEvent, {}), 1);
    });

    test('the same event delivered twice changes the database once', async () => {
      const { orm, transport, track } = await setUp();
      const { transport: counted, deliveries } = instrument(transport);
      track(await consumer(orm, counted, { 'tally.added': async (e, em) => addTally(em, e) }));
      const event = signEvent(tallyEvent('d', { label: 'd', seq: 1 }), SECRET);
      await transport.publish(event, event);
      await until(() => deliveries.get(event.id) === 2, 5000, 'delivered twice');
      await sleep(50);
      assert.equal((await tallies(orm)).length, 1);
      assert.equal(await orm.em.fork().count(InboxEvent, { id: event.id }), 1);
    });

    test('a failing handler is retried, its effects rolled back each time, then parked with its error', async () => {
      const { orm, transport, track } = await setUp();
      let calls = 0;
      track(
        await consumer(
          orm,
          transport,
          {
            'tally.added': async (e, em) => {
              calls++;
              addTally(em, e);
              await em.flush();
              throw new Error(`downstream refused (call ${calls})`);
            },
          },
          { ...fast, maxAttempts: 3 },
        ),
      );
      track(await relay(orm, transport));
      const event = await record(orm, 'f', 1);
      await until(async () => (await transport.deadLetters('consumer')).length === 1, 5000, 'parked');
      const [letter] = await transport.deadLetters('consumer');
      assert.equal(letter!.event?.id, event.id);
      assert.equal(letter!.error, 'downstream refused (call 3)');
      assert.equal(letter!.attempts, 3);
      assert.equal(calls, 3);
      assert.equal((await tallies(orm)).length, 0, 'no effect survived');
      assert.equal(await orm.em.fork().count(InboxEvent, {}), 0, 'not in the inbox: a replay would handle it');
    });

    test('a handler that fails and then succeeds applies its effect once', async () => {
      const { orm, transport, track } = await setUp();
      let failures = 2;
      track(
        await consumer(orm, transport, {
          'tally.added': async (e, em) => {
            addTally(em, e);
            await em.flush();
            if (failures-- > 0) throw new Error('transient');
          },
        }),
      );
      track(await relay(orm, transport));
      await record(orm, 't', 1);
      await until(async () => (await tallies(orm)).length === 1, 5000, 'handled');
      await sleep(50);
      assert.equal((await tallies(orm)).length, 1);
      assert.deepEqual(await transport.deadLetters('consumer'), []);
    });

    test('an unsigned or tampered event is parked at once and its handler never runs', async () => {
      const { orm, transport, track } = await setUp();
      let calls = 0;
      track(await consumer(orm, transport, { 'tally.added': async () => void calls++ }, { ...fast, maxAttempts: 5 }));
      const unsigned = tallyEvent('u', { label: 'u', seq: 1 });
      const signed = signEvent(tallyEvent('v', { label: 'v', seq: 2 }), SECRET);
      const tampered = { ...signed, data: { label: 'v', seq: 999 } };
      const wrongKey = signEvent(tallyEvent('w', { label: 'w', seq: 3 }), 'x'.repeat(40));
      await transport.publish(unsigned, tampered, wrongKey);
      await until(async () => (await transport.deadLetters('consumer')).length === 3, 5000, 'all three parked');
      const letters = await transport.deadLetters('consumer');
      assert.deepEqual(
        letters.map((l) => [l.event?.id, l.error, l.attempts]).sort(),
        [
          [unsigned.id, 'event is not signed', 1],
          [tampered.id, 'signature does not verify', 1],
          [wrongKey.id, 'signature does not verify', 1],
        ].sort(),
      );
      assert.equal(calls, 0);
    });

    test('an event type without a handler is acknowledged and ignored', async () => {
      const { orm, transport, track } = await setUp();
      const { transport: counted, deliveries } = instrument(transport);
      track(await consumer(orm, counted, { 'tally.added': async (e, em) => addTally(em, e) }));
      track(await relay(orm, counted));
      const ignored = await orm.em
        .fork()
        .transactional(async (em) => outbox.record(em, 'tally.ignored', 'i', { label: 'i' }));
      await record(orm, 'h', 1);
      await until(async () => (await tallies(orm)).length === 1 && deliveries.has(ignored.id), 5000, 'both arrived');
      assert.equal(await orm.em.fork().count(InboxEvent, { id: ignored.id }), 0);
      assert.deepEqual(await transport.deadLetters('consumer'), []);
    });

    test('a relay that dies between publishing and marking publishes again; the inbox keeps the effect once', async () => {
      const { orm, transport, track } = await setUp();
      const { transport: counted, deliveries } = instrument(transport);
      track(await consumer(orm, counted, { 'tally.added': async (e, em) => addTally(em, e) }));
      const crashing = instrument(transport, { crashAfterPublish: true }).transport;
      const stopCrashing = await relay(orm, crashing);
      const event = await record(orm, 'r', 1);
      await until(() => deliveries.get(event.id) === 1, 5000, 'published by the relay that died');
      await stopCrashing();
      const row = await orm.em.fork().findOneOrFail(OutboxEvent, event.id);
      assert.equal(row.publishedAt, null, 'its mark never committed');
      track(await relay(orm, transport, 20));
      await until(() => deliveries.get(event.id) === 2, 5000, 'published again by the next relay');
      await until(
        async () => (await orm.em.fork().findOneOrFail(OutboxEvent, event.id)).publishedAt !== null,
        5000,
        'marked by the next relay',
      );
      assert.equal((await tallies(orm)).length, 1, 'effect once');
    });

    test('retention deletes old published outbox rows and old inbox rows, never unpublished ones', async () => {
      const { orm } = await setUp();
      const published = await record(orm, 'p', 1);
      const waiting = await record(orm, 'w', 2);
      await orm.em.fork().nativeUpdate(OutboxEvent, { id: published.id }, { publishedAt: new Date(Date.now() - 1000) });
      const em = orm.em.fork();
      em.create(InboxEvent, { id: published.id, type: 'tally.added', handledAt: new Date() });
      await em.flush();
      assert.equal(await pruneOutbox(orm, new Date(Date.now() - 60_000)), 0, 'not old enough');
      assert.equal(await pruneOutbox(orm, new Date()), 1);
      assert.deepEqual(
        (await orm.em.fork().find(OutboxEvent, {})).map((r) => r.id),
        [waiting.id],
      );
      assert.equal(await pruneInbox(orm, new Date(Date.now() - 60_000)), 0, 'event too recent');
      assert.equal(await pruneInbox(orm, new Date(Date.now() + 1000)), 1);
    });

    test('createEventProcessor tells handled, duplicate and ignored apart', async () => {
      const { orm } = await setUp();
      const processEvent = createEventProcessor({
        group: 'consumer',
        handlers: { 'tally.added': async (e, em) => addTally(em, e) },
        orm,
        secret: SECRET,
        logger: silentLogger,
      });
      const event = signEvent(tallyEvent('c', { label: 'c', seq: 1 }), SECRET);
      const other = signEvent(
        createEvent<TallyEvents, 'tally.ignored'>('test', 'tally.ignored', 'c', { label: 'c' }),
        SECRET,
      );
      assert.equal(await processEvent(event), 'handled');
      assert.equal(await processEvent(event), 'duplicate');
      assert.equal(await processEvent(other), 'ignored');
    });

    test('an event its handler declines (appliesTo) is ignored with no transaction and no inbox row', async () => {
      const { orm } = await setUp();
      let handled = 0;
      // Every transaction starts from a fork of orm.em: counting reads of `em` counts them.
      let forks = 0;
      const counted = new Proxy(orm, {
        get: (target, key, receiver) => (key === 'em' && forks++, Reflect.get(target, key, receiver)),
      });
      const processEvent = createEventProcessor({
        group: 'consumer',
        handlers: {
          'tally.added': handlerFor(
            (e: EventEnvelope) => (e.data as TallyEvents['tally.added']).seq % 2 === 0,
            async (e, em) => {
              handled++;
              addTally(em, e);
            },
          ),
        },
        orm: counted,
        secret: SECRET,
        logger: silentLogger,
      });
      const odd = signEvent(tallyEvent('d', { label: 'odd', seq: 1 }), SECRET);
      const even = signEvent(tallyEvent('d', { label: 'even', seq: 2 }), SECRET);
      assert.equal(await processEvent(odd), 'ignored');
      assert.equal(forks, 0, 'no transaction for a declined event');
      assert.equal(await processEvent(even), 'handled');
      assert.equal(forks, 1);
      assert.equal(handled, 1);
      assert.equal(await orm.em.fork().count(InboxEvent, { id: odd.id }), 0);
      assert.equal(await orm.em.fork().count(InboxEvent, { id: even.id }), 1);
      const forged = { ...odd, signature: 'x' };
      await assert.rejects(processEvent(forged), RejectedEventError, 'the signature is checked before appliesTo');
    });
  });
}
