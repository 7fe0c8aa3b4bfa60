/** `npm run seed`: demo data into whatever database is configured (refused in production). */
import { loadConfig } from '../lib/config/index.js';
import { openDatabase, prepareSchema, seedDemo } from '../lib/orm/index.js';
import { loadSubgraphs } from './subgraphs.js';
import { main } from '../lib/lifecycle/main.js';

await main(async () => {
  const config = loadConfig();
  if (config.env === 'production') {
    console.error('Refusing to seed demo data with NODE_ENV=production');
    process.exit(1);
  }
  for (const def of await loadSubgraphs()) {
    const db = await openDatabase(def, config.database);
    try {
      await prepareSchema(db);
      await seedDemo(db, def);
      console.log(`${def.name}: demo data seeded`);
    } finally {
      await db.orm.close();
    }
  }
});
