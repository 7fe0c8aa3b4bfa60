/** One contract, run over both implementations: the in-memory stand-ins must behave like Redis. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testServiceUrls } from '../config/index.js';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from './kv.js';
import { MemoryPubSub, RedisPubSub, type PubSub } from './pubsub.js';

const prefix = `hgtest:${randomBytes(4).toString('hex')}:`;
const { redisUrl } = testServiceUrls();

const implementations: [string, () => Promise<{ kv: KeyValueStore; pubsub: PubSub }>][] = [
  ['memory', async () => ({ kv: new MemoryKeyValueStore(), pubsub: new MemoryPubSub() })],
  [
    'redis',
    async () => ({
      kv: await RedisKeyValueStore.connect(redisUrl, prefix, (err) => assert.fail(err)),
      pubsub: await RedisPubSub.connect(redisUrl, prefix, (err) => assert.fail(err)),
    }),
  ],
];

for (const [name, make] of implementations) {
  describe(`${name} key-value store and pub/sub`, async () => {
    const { kv, pubsub } = await make();
    after(async () => {
      // Close even when the clean-up command fails, or the open connections keep the file from ending.
      try {
        await kv.del('a', 'b', 'ttl', 'n', 'n-ttl');
      } finally {
        await Promise.all([kv.close(), pubsub.close()]);
      }
    });

    test('set/get/del, and set-if-absent claims a key exactly once', async () => {
      assert.equal(await kv.get('a'), null);
      assert.equal(await kv.set('a', '1'), true);
      assert.equal(await kv.get('a'), '1');
      assert.equal(await kv.set('b', 'x', { onlyIfAbsent: true }), true);
      assert.equal(await kv.set('b', 'y', { onlyIfAbsent: true }), false);
      assert.equal(await kv.get('b'), 'x');
      assert.equal(await kv.del('a', 'b', 'missing'), 2);
      assert.equal(await kv.get('a'), null);
    });

    test('getMany reads several keys in one call, null for the missing ones, in the order asked', async () => {
      await kv.set('a', '1');
      await kv.set('b', '2');
      assert.deepEqual(await kv.getMany(['b', 'missing', 'a']), ['2', null, '1']);
      assert.deepEqual(await kv.getMany([]), []);
      await kv.del('a', 'b');
    });

    test('keys with a TTL expire', async () => {
      await kv.set('ttl', 'v', { ttlSeconds: 1 });
      assert.equal(await kv.get('ttl'), 'v');
      await sleep(1100);
      assert.equal(await kv.get('ttl'), null);
    });

    test('incr counts from 1, atomically under concurrency, and its TTL is set once, never extended', async () => {
      assert.equal(await kv.incr('n'), 1);
      const results = await Promise.all(Array.from({ length: 50 }, () => kv.incr('n')));
      assert.deepEqual(
        [...results].sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i + 2),
      );
      assert.equal(await kv.get('n'), '51');
      assert.equal(await kv.incr('n-ttl', { ttlSeconds: 1 }), 1);
      await sleep(600);
      assert.equal(await kv.incr('n-ttl', { ttlSeconds: 1 }), 2); // does not push the expiry back
      await sleep(600);
      assert.equal(await kv.get('n-ttl'), null);
      assert.equal(await kv.incr('n-ttl', { ttlSeconds: 1 }), 1);
      await kv.set('a', 'not a number');
      await assert.rejects(kv.incr('a'));
      await kv.del('n', 'n-ttl', 'a');
    });

    test('subscribers get what is published on their channel until they unsubscribe', async () => {
      const got: string[] = [];
      const unsubscribe = await pubsub.subscribe('chan', (m) => got.push(m));
      const other = await pubsub.subscribe('other', () => assert.fail('wrong channel'));
      await pubsub.publish('chan', 'one');
      await waitFor(() => got.length === 1);
      await unsubscribe();
      await other();
      await pubsub.publish('chan', 'two');
      await sleep(100);
      assert.deepEqual(got, ['one']);
    });
  });
}

async function waitFor(cond: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}
