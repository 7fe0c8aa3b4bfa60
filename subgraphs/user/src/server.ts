/** The user subgraph: accounts, roles, credentials and sessions. */
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createUserContext } from './context.js';
import { User } from './entities/user.entity.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';
import { AuthService } from './services/auth.service.js';
import { RefreshTokenStore } from './services/refresh-tokens.js';

export const subgraph = defineSubgraph(import.meta.url, {
  name: 'user',
  resolvers,
  entities: [User],
  demoSeeder: DemoSeeder,
  createContext: createUserContext,
  background: [
    {
      // The configured MASTER must exist before anyone can approve privileged roles.
      name: 'bootstrap-master',
      async start({ config, db, infra, logger }) {
        if (!config.bootstrapMaster) return;
        const { username, password } = config.bootstrapMaster;
        const auth = new AuthService(db.orm.em.fork(), new RefreshTokenStore(infra.kv, 1), config.auth);
        if (await auth.ensureMaster(username, password)) logger.info({ username }, 'created bootstrap MASTER');
      },
    },
  ],
});
