/** The user subgraph: accounts, roles, credentials and sessions. */
import { defineSubgraph, createSubgraphServer, type SubgraphDeps } from '../../../lib/subgraph/index.js';
import { createUserContext } from './context.js';
import { User } from './entities/user.entity.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';
import { AuthService } from './services/auth.service.js';
import { RefreshTokenStore } from './services/refresh-tokens.js';

export const userSubgraph = defineSubgraph(import.meta.url, {
  name: 'user',
  resolvers,
  entities: [User],
  demoSeeder: DemoSeeder,
  createContext: createUserContext,
  async onStart({ config, db, infra, logger }) {
    if (!config.bootstrapMaster) return;
    const { username, password } = config.bootstrapMaster;
    const auth = new AuthService(db.orm.em.fork(), new RefreshTokenStore(infra.kv, 1), config.auth);
    if (await auth.ensureMaster(username, password)) logger.info({ username }, 'created bootstrap MASTER');
  },
});

export const createUserServer = (deps: SubgraphDeps) => createSubgraphServer(userSubgraph, deps);
