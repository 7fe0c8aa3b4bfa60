/** The pipeline contract (pipeline.contract.ts) embedded: SQLite in memory and the in-process transport. */
import { MikroORM } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { MemoryEventTransport } from './memory.js';
import { describePipelineContract, PIPELINE_ENTITIES } from './pipeline.contract.js';

describePipelineContract('embedded', {
  async database() {
    const orm = await MikroORM.init({
      driver: LibSqlDriver,
      dbName: ':memory:',
      entities: PIPELINE_ENTITIES,
      allowGlobalContext: false,
    });
    await orm.getSchemaGenerator().createSchema();
    return {
      orm,
      replica: () => Promise.reject(new Error('embedded mode runs one process')),
      drop: () => orm.close(),
    };
  },
  transport: async () => new MemoryEventTransport(),
  sibling: async (of) => of,
});
