/**
 * The committed migrations must produce exactly the schema the entities describe, on MariaDB:
 * after migrating a fresh database the ORM finds nothing left to change.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { dropTestDatabases, realServicesConfig } from '../lib/testing/index.js';
import { databaseName, dropMysqlDatabases, openDatabase, prepareSchema } from '../lib/orm/index.js';
import { loadSubgraphs } from './subgraphs.js';

const config = realServicesConfig();
after(() => dropTestDatabases(config));

for (const def of await loadSubgraphs()) {
  test(`${def.name}: migrations bring a new database level with the entities`, async () => {
    const db = await openDatabase(def, config.database);
    try {
      assert.notEqual(db.flavor, 'sqlite');
      const first = await prepareSchema(db);
      assert.ok(first.migrations.length >= 1, 'applies the committed migrations');
      assert.deepEqual((await prepareSchema(db)).migrations, [], 'a second run applies nothing');
      const drift = await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      assert.equal(drift.trim(), '', `entities and migrations differ; run npm run migration:create ${def.name}`);
    } finally {
      await db.orm.close();
    }
  });
}

test('replicas started together on a new database migrate it once, and all of them start', async () => {
  // The order subgraph has several migrations; any would do. Its own database, so the tests above do not race it.
  const def = (await loadSubgraphs()).find((d) => d.name === 'order')!;
  assert.ok(config.database.kind === 'mysql');
  // A long prefix takes the path that shortens the lock's name (MySQL refuses names over 64 characters; MariaDB
  // takes them, so here it runs without proving that refusal).
  const own = { ...config.database, prefix: `${config.database.prefix}_race`.padEnd(56, 'x') };
  const replicas = await Promise.all([1, 2, 3].map(() => openDatabase(def, own)));
  try {
    const results = await Promise.all(replicas.map((db) => prepareSchema(db)));
    const applied = results.map((r) => r.migrations.length).sort();
    assert.deepEqual(applied.slice(0, 2), [0, 0], 'the replicas that waited found nothing left to apply');
    assert.ok(applied[2]! >= 1, 'one replica applied the committed migrations');
  } finally {
    await Promise.all(replicas.map((db) => db.orm.close()));
    await dropMysqlDatabases(own.url, [databaseName(own, 'order')]);
  }
});
