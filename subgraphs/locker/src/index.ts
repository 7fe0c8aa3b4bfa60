import { runSubgraph } from '../../../lib/subgraph/run.js';
import { lockerSubgraph } from './server.js';

await runSubgraph(lockerSubgraph);
