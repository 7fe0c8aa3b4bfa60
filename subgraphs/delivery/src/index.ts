import { runSubgraph } from '../../../lib/subgraph/run.js';
import { deliverySubgraph } from './server.js';

await runSubgraph(deliverySubgraph);
