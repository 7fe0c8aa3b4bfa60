/** The outbox writes an event with the change it announces, in the same transaction, or not at all. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MikroORM, defineEntity, p } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { idColumn, uuidv7 } from '../orm/columns.js';
import { EVENT_ENTITIES, Outbox, OutboxEvent } from './outbox.js';

const Thing = defineEntity({ name: 'Thing', tableName: 'things', properties: { id: idColumn(), label: p.string() } });
type ThingEvents = { 'thing.created': { thingId: string; label: string } };

let orm: MikroORM;
before(async () => {
  orm = await MikroORM.init({
    driver: LibSqlDriver,
    dbName: ':memory:',
    entities: [Thing, ...EVENT_ENTITIES],
    allowGlobalContext: false,
  });
  await orm.getSchemaGenerator().createSchema();
});
after(() => orm?.close());

const outbox = new Outbox<ThingEvents>('test');

test('an event recorded in a transaction is written with its change, as an envelope, unpublished', async () => {
  const event = await orm.em.fork().transactional(async (em) => {
    const thing = em.create(Thing, { id: uuidv7(), label: 'a' });
    return outbox.record(em, 'thing.created', thing.id, { thingId: thing.id, label: 'a' });
  });
  const row = await orm.em.fork().findOneOrFail(OutboxEvent, { id: event.id });
  assert.equal(row.publishedAt, null);
  assert.deepEqual(JSON.parse(row.envelope), event);
  assert.equal(event.source, 'test');
});

test('when the transaction fails, neither the change nor its event is written', async () => {
  await assert.rejects(
    orm.em.fork().transactional(async (em) => {
      const thing = em.create(Thing, { id: uuidv7(), label: 'b' });
      outbox.record(em, 'thing.created', thing.id, { thingId: thing.id, label: 'b' });
      await em.flush();
      throw new Error('later step failed');
    }),
    /later step failed/,
  );
  const em = orm.em.fork();
  assert.equal(await em.count(Thing, { label: 'b' }), 0);
  assert.equal(await em.count(OutboxEvent, {}), 1, 'only the first test’s event');
});
