/**
 * The contract every EventTransport keeps (docs/events.md §4), as one suite: transport.test.ts runs it over the
 * in-process transport, transport.int.test.ts over Redis Streams on the real Redis.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEvent, type EventEnvelope } from './envelope.js';
import { RejectedEventError, type ConsumeOptions, type EventTransport } from './transport.js';

export type ShopEvents = {
  'order.created': { orderId: string; quantity: number };
  'order.cancelled': { orderId: string; reason: string };
};

/** Polls `cond` every 5 ms; throws after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  for (const end = Date.now() + ms; !(await cond()); await sleep(5)) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
  }
}

/** Event number `n` with key `o-<n mod keys>`: several keys, so several partitions. */
export const shopEvent = (n: number, keys = 4) =>
  createEvent<ShopEvents, 'order.created'>('order', 'order.created', `o-${n % keys}`, {
    orderId: `o-${n}`,
    quantity: n,
  });

const quantity = (e: EventEnvelope) => (e.data as { quantity: number }).quantity;

/** The numbers seen per key, to compare with publish order per key. */
function perKey(events: EventEnvelope[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const e of events) (out[e.key] ??= []).push(quantity(e));
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * `make` returns a fresh transport (for Redis: its own key prefix); the suite closes each one. A second call of
 * `make` inside one test stands for another process sharing the same streams (`sibling`).
 */
export function describeTransportContract(
  name: string,
  make: () => Promise<EventTransport>,
  sibling: (of: EventTransport) => Promise<EventTransport>,
): void {
  describe(`${name} event transport`, () => {
    const open: EventTransport[] = [];
    const fresh = async () => {
      const t = await make();
      open.push(t);
      return t;
    };
    const siblingOf = async (of: EventTransport) => {
      const t = await sibling(of);
      open.push(t);
      return t;
    };
    after(async () => {
      await Promise.all(open.map((t) => t.close()));
    });
    const fast: ConsumeOptions = { retryDelayMs: 1, stopTimeoutMs: 100 };

    test('every consumer group receives every event, each key’s events in publish order', async () => {
      const transport = await fresh();
      const seen: Record<string, EventEnvelope[]> = { hub: [], delivery: [] };
      for (const group of Object.keys(seen)) await transport.consume(group, async (e) => void seen[group]!.push(e));
      for (let i = 1; i <= 40; i++) await transport.publish(shopEvent(i));
      await until(() => seen.hub!.length === 40 && seen.delivery!.length === 40);
      const expected = perKey(range(1, 40).map((n) => shopEvent(n)));
      assert.deepEqual(perKey(seen.hub!), expected);
      assert.deepEqual(perKey(seen.delivery!), expected);
    });

    test('a group that starts after events were published still receives them', async () => {
      const transport = await fresh();
      const seen: number[] = [];
      await transport.publish(...range(1, 10).map((n) => shopEvent(n)));
      await transport.consume('late', async (e) => void seen.push(quantity(e)));
      await until(() => seen.length === 10);
      assert.deepEqual(
        seen.sort((a, b) => a - b),
        range(1, 10),
      );
    });

    test('a failing handler gets the event again with a growing back-off; its key’s later events wait', async () => {
      const transport = await fresh();
      const attempts: { attempt: number; at: number }[] = [];
      const seen: number[] = [];
      await transport.consume(
        'hub',
        async (e, delivery) => {
          if (quantity(e) === 1 && delivery.attempt < 4) {
            attempts.push({ attempt: delivery.attempt, at: performance.now() });
            throw new Error('transient');
          }
          seen.push(quantity(e));
        },
        { retryDelayMs: 20 },
      );
      // Same key (keys = 1): 2 and 3 are behind 1 in its partition.
      await transport.publish(shopEvent(1, 1), shopEvent(2, 1), shopEvent(3, 1));
      await until(() => seen.length === 3);
      assert.deepEqual(seen, [1, 2, 3]);
      assert.deepEqual(
        attempts.map((a) => a.attempt),
        [1, 2, 3],
      );
      // Back-off 20 · 2^(n−1) ms with equal jitter: at least half of it, so ≥ 10, then ≥ 20 ms.
      assert.ok(attempts[1]!.at - attempts[0]!.at >= 9, `first back-off ${attempts[1]!.at - attempts[0]!.at} ms`);
      assert.ok(attempts[2]!.at - attempts[1]!.at >= 19, `second back-off ${attempts[2]!.at - attempts[1]!.at} ms`);
      assert.deepEqual(await transport.deadLetters('hub'), []);
    });

    test('an event that fails every attempt is parked with its error and attempts, and the rest flow on', async () => {
      const transport = await fresh();
      const seen: EventEnvelope[] = [];
      const poison = shopEvent(7, 1);
      let calls = 0;
      await transport.consume(
        'delivery',
        async (e, delivery) => {
          if (e.id !== poison.id) return void seen.push(e);
          calls++;
          assert.equal(delivery.lastAttempt, delivery.attempt === 3);
          throw new Error(`poison #${delivery.attempt}`);
        },
        { ...fast, maxAttempts: 3 },
      );
      await transport.publish(poison, shopEvent(8, 1));
      await until(() => seen.length === 1);
      assert.equal(calls, 3);
      const [letter, ...more] = await transport.deadLetters('delivery');
      assert.deepEqual(more, []);
      assert.deepEqual(letter!.event, poison);
      assert.deepEqual(JSON.parse(letter!.raw), poison);
      assert.equal(letter!.error, 'poison #3');
      assert.equal(letter!.attempts, 3);
      assert.equal(letter!.group, 'delivery');
      assert.ok(!Number.isNaN(Date.parse(letter!.deadAt)));
      assert.deepEqual(await transport.deadLetters('hub'), [], 'dead letters are per group');
    });

    test('a RejectedEventError parks the event at once, without retries', async () => {
      const transport = await fresh();
      let calls = 0;
      const seen: number[] = [];
      await transport.consume(
        'order',
        async (e) => {
          if (quantity(e) !== 1) return void seen.push(quantity(e));
          calls++;
          throw new RejectedEventError('bad signature');
        },
        fast,
      );
      await transport.publish(shopEvent(1, 1), shopEvent(2, 1));
      await until(() => seen.length === 1);
      assert.equal(calls, 1);
      const letters = await transport.deadLetters('order');
      assert.deepEqual(
        letters.map((l) => [l.error, l.attempts]),
        [['bad signature', 1]],
      );
    });

    test('a message that is not an envelope is parked at once and never reaches the handler', async () => {
      const transport = await fresh();
      const seen: number[] = [];
      await transport.consume('hub', async (e) => void seen.push(quantity(e)), fast);
      const broken = { key: 'o-0', type: 'order.created' } as unknown as EventEnvelope;
      await transport.publish(broken, shopEvent(4));
      await until(() => seen.length === 1);
      const [letter] = await transport.deadLetters('hub');
      assert.equal(letter!.event, null);
      assert.deepEqual(JSON.parse(letter!.raw), broken);
      assert.match(letter!.error, /^not an event envelope: /);
      assert.equal(letter!.attempts, 1);
    });

    test('dead letters replayed are delivered again and leave the dead-letter list', async () => {
      const transport = await fresh();
      let healed = false;
      const seen: number[] = [];
      await transport.consume(
        'hub',
        async (e) => {
          if (!healed) throw new Error('not yet');
          seen.push(quantity(e));
        },
        { ...fast, maxAttempts: 1 },
      );
      await transport.publish(shopEvent(1), shopEvent(2));
      await until(async () => (await transport.deadLetters('hub')).length === 2);
      healed = true;
      assert.equal(await transport.replayDeadLetters('hub'), 2);
      await until(() => seen.length === 2);
      assert.deepEqual(
        seen.sort((a, b) => a - b),
        [1, 2],
      );
      assert.deepEqual(await transport.deadLetters('hub'), []);
    });

    test('two consumers of one group (for Redis, in two processes) split the work: each event once, keys in order', async () => {
      const a = await fresh();
      const b = await siblingOf(a);
      const seen: { by: string; event: EventEnvelope }[] = [];
      await a.consume('hub', async (event) => void seen.push({ by: 'a', event }));
      await b.consume('hub', async (event) => void seen.push({ by: 'b', event }));
      // Publish until both have had a share: a consumer that joins takes its share of partitions within a lease
      // period (Redis) or at once (in process).
      let n = 0;
      const t0 = Date.now();
      while (!(seen.some((s) => s.by === 'a') && seen.some((s) => s.by === 'b'))) {
        assert.ok(Date.now() - t0 < 15_000, 'both consumers got work');
        await a.publish(...range(n + 1, n + 8).map((i) => shopEvent(i, 8)));
        n += 8;
        await sleep(25);
      }
      await until(() => seen.length >= n);
      await sleep(50);
      const ids = seen.map((s) => s.event.id);
      assert.equal(ids.length, n, 'no event handled twice');
      assert.equal(new Set(ids).size, n);
      assert.deepEqual(perKey(seen.map((s) => s.event)), perKey(range(1, n).map((i) => shopEvent(i, 8))));
    });

    test('a consumer stopped in the middle of an event: the group’s next consumer gets it, nothing is lost', async () => {
      const transport = await fresh();
      const stuck = shopEvent(1, 1);
      let entered = false;
      const stop = await transport.consume(
        'hub',
        async (e) => {
          if (e.id !== stuck.id) return;
          entered = true;
          await new Promise(() => undefined); // never resolves: the consumer dies holding it
        },
        fast,
      );
      await transport.publish(stuck, shopEvent(2, 1));
      await until(() => entered);
      await stop();
      const seen: { quantity: number; attempt: number }[] = [];
      const next = await siblingOf(transport);
      await next.consume('hub', async (e, d) => void seen.push({ quantity: quantity(e), attempt: d.attempt }), fast);
      await until(() => seen.length === 2);
      // Event 2 may count a delivery too: Redis counts what a consumer read, and the dead one read both at once.
      assert.deepEqual(
        seen.map((s) => s.quantity),
        [1, 2],
      );
      assert.equal(seen[0]!.attempt, 2);
    });

    test('after its consumer stops a group receives nothing, and its next consumer gets what it missed', async () => {
      const transport = await fresh();
      const seen: number[] = [];
      const stop = await transport.consume('hub', async (e) => void seen.push(quantity(e)), fast);
      await transport.publish(shopEvent(1));
      await until(() => seen.length === 1);
      await stop();
      await transport.publish(shopEvent(2));
      await sleep(100);
      assert.deepEqual(seen, [1]);
      await transport.consume('hub', async (e) => void seen.push(quantity(e)), fast);
      await until(() => seen.length === 2);
      assert.deepEqual(seen, [1, 2]);
    });
  });
}
