/**
 * The committed migrations must produce exactly the schema the entities describe, on MariaDB:
 * after migrating a fresh database the ORM finds nothing left to change.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { dropTestDatabases, realServicesConfig } from '../lib/testing/index.js';
import { openDatabase, prepareSchema } from '../lib/orm/index.js';
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
