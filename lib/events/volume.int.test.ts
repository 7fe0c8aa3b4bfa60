/** A thousand events end to end on the real MariaDB and Redis Streams: none lost, none applied twice. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEventConsumer } from './consumer.js';
import { realPipelineEnv } from './fixtures/real-env.js';
import { OutboxEvent } from './outbox.js';
import { addTally, assertEachOnce, outbox, SECRET, silentLogger, Tally } from './pipeline.contract.js';
import { startOutboxRelay } from './relay.js';
import { until } from './transport.contract.js';

const env = realPipelineEnv();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
  await env.cleanUp();
});

test('1,000 events through relay → Redis Streams → consumer: none lost, none applied twice', async () => {
  const { orm, drop } = await env.database();
  cleanups.push(drop);
  const t = await env.transport();
  cleanups.push(() => t.close());
  cleanups.push(await startOutboxRelay({ orm, transport: t, secret: SECRET, logger: silentLogger }));
  cleanups.push(
    await startEventConsumer({
      group: 'consumer',
      handlers: { 'tally.added': async (e, em) => addTally(em, e) },
      orm,
      transport: t,
      secret: SECRET,
      logger: silentLogger,
    }),
  );
  const ids: string[] = [];
  let seq = 0;
  // 100 transactions of 10 events each, 5 writers at a time.
  await Promise.all(
    Array.from({ length: 5 }, async (_, w) => {
      for (let i = 0; i < 20; i++) {
        const events = await orm.em
          .fork()
          .transactional(async (em) =>
            Array.from({ length: 10 }, (_, j) =>
              outbox.record(em, 'tally.added', `k${w}-${j % 7}`, { label: 'n', seq: ++seq }),
            ),
          );
        ids.push(...events.map((e) => e.id));
      }
    }),
  );
  assert.equal(ids.length, 1000);
  await until(async () => (await orm.em.fork().count(Tally, {})) >= 1000, 40_000, 'all 1,000 applied');
  await assertEachOnce(orm, ids);
  assert.equal(await orm.em.fork().count(OutboxEvent, { publishedAt: null }), 0);
  assert.deepEqual(await t.deadLetters('consumer'), []);
});
