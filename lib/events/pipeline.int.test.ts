/** The pipeline contract (pipeline.contract.ts) on the real MariaDB and Redis Streams. */
import { after } from 'node:test';
import { realPipelineEnv } from './fixtures/real-env.js';
import { describePipelineContract } from './pipeline.contract.js';

const env = realPipelineEnv();
after(() => env.cleanUp());
describePipelineContract('MariaDB + Redis Streams', env);
