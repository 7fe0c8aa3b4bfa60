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
