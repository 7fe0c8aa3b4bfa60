/**
 * A subgraph's event tasks built from its deps, as boot.ts starts them: embedded (in-process bus) and with
 * REDIS_URL (Redis Streams), the infra choosing the transport.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MikroORM } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { loadConfig } from '../config/index.js';
import { MemoryEventTransport } from '../events/index.js';
import { deleteKeys } from '../events/fixtures/real-env.js';
import { addTally, PIPELINE_ENTITIES, record, Tally } from '../events/pipeline.contract.js';
import { RedisEventTransport } from '../events/redis.js';
import { until } from '../events/transport.contract.js';
import { createInfra } from '../infra/index.js';
import { realServicesConfig, silentLogger } from '../testing/index.js';
import { startBackground } from './background.js';
import { eventConsumer, outboxRelay } from './events.js';
import type { SubgraphDeps } from './index.js';

const variants = [
  ['embedded', () => loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), MemoryEventTransport],
  ['Redis', () => realServicesConfig(), RedisEventTransport],
] as const;

for (const [name, makeConfig, Transport] of variants) {
  describe(`event tasks, ${name}`, () => {
    test('outboxRelay() and eventConsumer() carry an event from the outbox to its handler, signed with EVENT_SECRET', async () => {
      const config = makeConfig();
      const infra = await createInfra(config, { logger: silentLogger });
      after(async () => {
        await infra.close();
        if ('url' in config.redis) await deleteKeys(config.redis.url, [config.redis.prefix]);
      });
      assert.ok(infra.events instanceof Transport);
      const orm = await MikroORM.init({
        driver: LibSqlDriver,
        dbName: ':memory:',
        entities: PIPELINE_ENTITIES,
        allowGlobalContext: false,
      });
      after(() => orm.close());
      await orm.getSchemaGenerator().createSchema();
      const deps: SubgraphDeps = {
        config,
        db: { orm, flavor: 'sqlite', dbName: ':memory:' },
        infra,
        logger: silentLogger,
        peers: { url: () => 'http://127.0.0.1:1/' },
      };
      const stop = await startBackground(
        [outboxRelay(), eventConsumer('hub', { 'tally.added': async (e, em) => addTally(em, e) })],
        deps,
        silentLogger,
      );
      after(stop);
      const event = await record(orm, 'wired', 1);
      await until(async () => (await orm.em.fork().count(Tally, { eventId: event.id })) === 1, 5000, 'handled');
      assert.deepEqual(await infra.events.deadLetters('hub'), [], 'the signature verified');
    });
  });
}
