import { runSubgraph } from '../../../lib/subgraph/run.js';
import { userSubgraph } from './server.js';

await runSubgraph(userSubgraph);
