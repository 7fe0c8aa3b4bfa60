/** The transport contract (transport.contract.ts) over the in-process transport, and the envelope's own rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, MemoryEventTransport, partitionOf, type EventOf } from './index.js';
import { describeTransportContract, type ShopEvents } from './transport.contract.js';

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

test('a key always lands in the same partition, and keys spread over all of them', () => {
  const keys = Array.from({ length: 400 }, (_, i) => `01936f0e-5c1f-7a10-8e55-${String(i).padStart(12, '0')}`);
  const counts = [0, 0, 0, 0];
  for (const key of keys) {
    const p = partitionOf(key, 4);
    assert.equal(partitionOf(key, 4), p);
    counts[p]!++;
  }
  for (const c of counts) assert.ok(c > 50, `partition sizes ${counts.join(', ')}`);
});

describeTransportContract(
  'memory',
  async () => new MemoryEventTransport(),
  // One process: "another consumer" is another consume() on the same bus.
  async (of) => of,
);
