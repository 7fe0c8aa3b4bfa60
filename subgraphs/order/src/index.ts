import { runSubgraph } from '../../../lib/subgraph/run.js';
import { orderSubgraph } from './server.js';

await runSubgraph(orderSubgraph);
