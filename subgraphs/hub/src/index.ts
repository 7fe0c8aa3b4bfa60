import { runSubgraph } from '../../../lib/subgraph/run.js';
import { hubSubgraph } from './server.js';

await runSubgraph(hubSubgraph);
