import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryPubSub, typedPubSub } from './pubsub.js';

type Topics = {
  [topic: `lockerUpdated:${string}`]: { lockerId: string; online: boolean };
  hubsChanged: { count: number };
};

test('typed pub/sub carries each topic’s payload type as JSON over the raw channel', async () => {
  const raw = new MemoryPubSub();
  const pubsub = typedPubSub<Topics>(raw);
  const got: { lockerId: string; online: boolean }[] = [];
  const rawSeen: string[] = [];
  await raw.subscribe('lockerUpdated:L1', (m) => rawSeen.push(m));
  const unsubscribe = await pubsub.subscribe('lockerUpdated:L1', (payload) => got.push(payload));
  await pubsub.subscribe('lockerUpdated:L2', () => assert.fail('another locker'));
  await pubsub.publish('lockerUpdated:L1', { lockerId: 'L1', online: true });
  await sleep(5);
  assert.deepEqual(got, [{ lockerId: 'L1', online: true }]);
  assert.deepEqual(rawSeen, ['{"lockerId":"L1","online":true}']);
  await unsubscribe();
  await pubsub.publish('lockerUpdated:L1', { lockerId: 'L1', online: false });
  await sleep(5);
  assert.equal(got.length, 1);
});

test('a topic iterator delivers what is published after it is live, and return() unsubscribes at once', async () => {
  const raw = new MemoryPubSub();
  const pubsub = typedPubSub<Topics>(raw);
  const iterator = await pubsub.iterate('lockerUpdated:L9');
  await pubsub.publish('lockerUpdated:L9', { lockerId: 'L9', online: true });
  await pubsub.publish('lockerUpdated:L9', { lockerId: 'L9', online: false });
  assert.deepEqual(await iterator.next(), { value: { lockerId: 'L9', online: true }, done: false });
  assert.deepEqual(await iterator.next(), { value: { lockerId: 'L9', online: false }, done: false });
  const pending = iterator.next();
  await iterator.return!();
  assert.deepEqual(await pending, { value: undefined, done: true }, 'a waiting reader is released');
  assert.equal((raw as unknown as { listeners: Map<string, unknown> }).listeners.has('lockerUpdated:L9'), false);
});

test('a slow reader keeps only the newest messages, up to its buffer', async () => {
  const pubsub = typedPubSub<Topics>(new MemoryPubSub());
  const iterator = await pubsub.iterate('hubsChanged', { buffer: 2 });
  for (let count = 1; count <= 5; count++) await pubsub.publish('hubsChanged', { count });
  await sleep(5);
  assert.deepEqual((await iterator.next()).value, { count: 4 });
  assert.deepEqual((await iterator.next()).value, { count: 5 });
  await iterator.return!();
});
