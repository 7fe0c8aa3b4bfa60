/**
 * The contract every EventTransport keeps. The in-process transport runs it here; the Redis Streams
 * transport will run the same cases against the real Redis.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEvent, MemoryEventTransport, type EventEnvelope, type EventOf, type EventTransport } from './index.js';

type ShopEvents = {
  'order.created': { orderId: string; quantity: number };
  'order.cancelled': { orderId: string; reason: string };
};

const transports: [string, () => EventTransport][] = [['memory', () => new MemoryEventTransport()]];

async function until(cond: () => boolean, ms = 2000) {
  for (const end = Date.now() + ms; !cond(); await sleep(5)) if (Date.now() > end) throw new Error('timed out');
}

test('events are typed by their producer’s map and carry a complete envelope', () => {
  const event = createEvent<ShopEvents, 'order.created'>('order', 'order.created', 'o-1', {
    orderId: 'o-1',
    quantity: 2,
  });
  const narrowed: EventOf<ShopEvents> = event;
  if (narrowed.type === 'order.created') assert.equal(narrowed.data.quantity, 2);
  assert.match(event.id, /^[0-9a-f-]{36}$/);
  assert.equal(event.version, 1);
  assert.equal(event.source, 'order');
  assert.ok(!Number.isNaN(Date.parse(event.occurredAt)));
});

for (const [name, make] of transports) {
  describe(`${name} event transport`, () => {
    const event = (n: number) =>
      createEvent<ShopEvents, 'order.created'>('order', 'order.created', `o-${n % 2}`, {
        orderId: `o-${n}`,
        quantity: n,
      });

    test('every consumer group receives every event, in publish order', async () => {
      const transport = make();
      const seen: Record<string, number[]> = { hub: [], delivery: [] };
      for (const group of Object.keys(seen)) {
        await transport.consume(group, async (e) => void seen[group]!.push((e.data as { quantity: number }).quantity));
      }
      for (let i = 1; i <= 20; i++) await transport.publish(event(i));
      await until(() => seen.hub!.length === 20 && seen.delivery!.length === 20);
      const expected = Array.from({ length: 20 }, (_, i) => i + 1);
      assert.deepEqual(seen, { hub: expected, delivery: expected });
      await transport.close();
    });

    test('a failing handler gets the event again, and the events behind it wait their turn', async () => {
      const transport = make();
      const seen: number[] = [];
      let failures = 2;
      await transport.consume(
        'hub',
        async (e) => {
          const q = (e.data as { quantity: number }).quantity;
          if (q === 1 && failures-- > 0) throw new Error('transient');
          seen.push(q);
        },
        { retryDelayMs: 1 },
      );
      await transport.publish(event(1));
      await transport.publish(event(2));
      await until(() => seen.length === 2);
      assert.deepEqual(seen, [1, 2]);
      assert.deepEqual(await transport.deadLetters('hub'), []);
      await transport.close();
    });

    test('an event that fails every attempt is parked as a dead letter and the rest flow on', async () => {
      const transport = make();
      const seen: EventEnvelope[] = [];
      const poison = event(7);
      await transport.consume(
        'delivery',
        async (e) => {
          if (e.id === poison.id) throw new Error('poison');
          seen.push(e);
        },
        { maxAttempts: 3, retryDelayMs: 1 },
      );
      await transport.publish(poison);
      await transport.publish(event(8));
      await until(() => seen.length === 1);
      assert.deepEqual(
        (await transport.deadLetters('delivery')).map((e) => e.id),
        [poison.id],
      );
      await transport.close();
    });

    test('after its consumer stops, a group receives nothing more', async () => {
      const transport = make();
      const seen: EventEnvelope[] = [];
      const stop = await transport.consume('hub', async (e) => void seen.push(e));
      await transport.publish(event(1));
      await until(() => seen.length === 1);
      await stop();
      await transport.publish(event(2));
      await sleep(20);
      assert.equal(seen.length, 1);
      await transport.close();
    });
  });
}
