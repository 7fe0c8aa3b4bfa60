/**
 * The transport contract (transport.contract.ts) over Redis Streams on the real Redis, each transport under a key
 * prefix of its own (deleted afterwards), plus what only Redis has: a consumer process killed outright.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { testServiceUrls } from '../config/index.js';
import { deleteKeys } from './fixtures/real-env.js';
import { RedisEventTransport, type RedisEventTransportOptions } from './redis.js';
import { describeTransportContract, shopEvent, until } from './transport.contract.js';
import type { EventEnvelope } from './envelope.js';

const { redisUrl } = testServiceUrls();
const prefixes: string[] = [];
/** Short leases and reads, so take-overs and re-balancing happen within a test's patience. */
const quick = { leaseMs: 1500, blockMs: 200 } satisfies Partial<RedisEventTransportOptions>;

const connect = (prefix: string) =>
  RedisEventTransport.connect(redisUrl, { prefix, ...quick, onError: (err) => assert.fail(err) });

after(() => deleteKeys(redisUrl, prefixes));

const newPrefix = () => {
  const prefix = `hgtest:${randomBytes(4).toString('hex')}:`;
  prefixes.push(prefix);
  return prefix;
};

describeTransportContract(
  'redis',
  () => connect(newPrefix()),
  (of) => connect((of as RedisEventTransport).settings.prefix),
);

test('redis: a consumer process killed outright (SIGKILL) holding an event: after its lease the event is reclaimed and handled', async () => {
  const prefix = newPrefix();
  const transport = await connect(prefix);
  after(() => transport.close());
  const stuck = shopEvent(1, 1);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./fixtures/stuck-consumer.ts', import.meta.url)), redisUrl, prefix],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until(() => out.includes('consuming'), 20_000, 'the child consumer started');
  await transport.publish(stuck, shopEvent(2, 1));
  await until(() => out.includes(`holding ${stuck.id}`), 10_000, 'the child took the event');
  child.kill('SIGKILL');

  const seen: { event: EventEnvelope; attempt: number; at: number }[] = [];
  const started = Date.now();
  await transport.consume(
    'hub',
    async (event, d) => void seen.push({ event, attempt: d.attempt, at: Date.now() - started }),
    { retryDelayMs: 1 },
  );
  await until(() => seen.length === 2, 10_000, 'both events handled');
  assert.deepEqual(
    seen.map((s) => s.event.id),
    [stuck.id, seen[1]!.event.id],
  );
  assert.equal(seen[0]!.attempt, 2, 'the dead consumer’s delivery counts');
  // Not before the dead consumer's lease ran out (it renewed it at most leaseMs/3 before it died).
  assert.ok(seen[0]!.at >= quick.leaseMs / 3, `taken over after ${seen[0]!.at} ms`);
  const pending = await Promise.all(
    Array.from({ length: 4 }, (_, p) => transport.client.xPending(transport.streamKey(p), 'hub')),
  );
  assert.equal(
    pending.reduce((n, r) => n + Number(r.pending), 0),
    0,
    'nothing left pending',
  );
});
