/** One contract over both stores: the in-memory limiter (embedded mode) must behave like the Redis one. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import { testServiceUrls } from '../config/index.js';
import { DomainError } from '../errors/index.js';
import { createRateLimiter, type RateLimitPolicy, type RateLimitStore } from './index.js';

const prefix = `hgtest:${randomBytes(4).toString('hex')}:`;
let redis: RedisClientType | undefined;
after(async () => {
  if (redis?.isOpen) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(keys);
    await redis.close();
  }
});

const stores: [string, () => Promise<RateLimitStore>][] = [
  ['memory', async () => ({ kind: 'memory' })],
  [
    'redis',
    async () => {
      redis ??= createClient({ url: testServiceUrls().redisUrl });
      if (!redis.isOpen) await redis.connect();
      return { kind: 'redis', client: redis, prefix };
    },
  ],
];

const rateLimitedFor = (min: number, max: number) => (err: unknown) => {
  assert.ok(err instanceof DomainError && err.code === 'RATE_LIMITED', String(err));
  const retry = err.details?.retryAfterSeconds as number;
  assert.ok(retry >= min && retry <= max, `retryAfterSeconds ${retry} in [${min}, ${max}]`);
  return true;
};

for (const [name, make] of stores) {
  describe(`${name} rate limiter`, () => {
    const id = randomBytes(3).toString('hex');

    test('a key may spend its points per window, then is refused with a retry time; other keys are not', async () => {
      const limiter = createRateLimiter(await make());
      const policy: RateLimitPolicy = { name: `window-${id}`, points: 3, durationSeconds: 60 };
      for (let i = 0; i < 3; i++) await limiter.consume(policy, 'alice');
      await assert.rejects(limiter.consume(policy, 'alice'), rateLimitedFor(1, 60));
      await assert.rejects(limiter.check(policy, 'alice'), rateLimitedFor(1, 60));
      await limiter.consume(policy, 'bob');
      await limiter.check(policy, 'bob');
    });

    test('a lockout policy refuses for its block time once spent, and reset lifts it', async () => {
      const limiter = createRateLimiter(await make());
      const policy: RateLimitPolicy = { name: `lock-${id}`, points: 2, durationSeconds: 60, blockSeconds: 900 };
      await limiter.consume(policy, 'carol');
      await limiter.check(policy, 'carol');
      await limiter.consume(policy, 'carol');
      await assert.rejects(limiter.check(policy, 'carol'), rateLimitedFor(1, 60));
      await assert.rejects(limiter.consume(policy, 'carol'), rateLimitedFor(800, 900));
      await assert.rejects(limiter.check(policy, 'carol'), rateLimitedFor(800, 900));
      await limiter.reset(policy, 'carol');
      await limiter.check(policy, 'carol');
      await limiter.consume(policy, 'carol');
    });
  });
}
