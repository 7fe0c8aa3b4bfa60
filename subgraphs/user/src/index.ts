import { runSubgraph } from '../../../lib/subgraph/run.js';
import { subgraph } from './server.js';

await runSubgraph(subgraph);
