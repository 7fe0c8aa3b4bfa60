/**
 * `npm run migrate` (up): brings every subgraph's database to its committed migrations, creating the
 * database when missing (embedded SQLite: creates the schema from the entities).
 * `npm run migration:create [subgraph...]`: writes a new migration for each named subgraph (default:
 * all) whose entities differ from its committed snapshot. Needs DATABASE_URL (MySQL/MariaDB).
 */
import { loadConfig } from '../lib/config/index.js';
import { openDatabase, prepareSchema } from '../lib/orm/index.js';
import { loadSubgraphs } from './subgraphs.js';
import { main } from '../lib/lifecycle/main.js';

await main(async () => {
  const [command = 'up', ...names] = process.argv.slice(2);
  const config = loadConfig();
  const all = await loadSubgraphs();
  const selected = names.length ? all.filter((s) => names.includes(s.name)) : all;
  if (names.length && selected.length !== names.length) throw new Error(`Unknown subgraph in ${names.join(', ')}`);

  for (const def of selected) {
    const db = await openDatabase(def, config.database);
    try {
      if (command === 'up') {
        const { migrations, recreated } = await prepareSchema(db);
        console.log(
          `${def.name}: ${migrations.length ? `applied ${migrations.join(', ')}` : recreated ? 'schema created' : 'up to date'}`,
        );
      } else if (command === 'create') {
        if (db.flavor === 'sqlite') throw new Error('Migrations are written against MySQL/MariaDB: set DATABASE_URL');
        const result = await db.orm.getMigrator().createMigration();
        console.log(`${def.name}: ${result.fileName ? `wrote ${result.fileName}` : 'no changes'}`);
      } else {
        throw new Error(`Unknown command "${command}" (up | create)`);
      }
    } finally {
      await db.orm.close();
    }
  }
});
