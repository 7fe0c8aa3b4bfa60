/** The user subgraph: accounts, roles, credentials and sessions. */
import { defineSubgraph } from '../../../lib/subgraph/index.js';
import { createUserContext, userModule } from './context.js';
import { User } from './entities/user.entity.js';
import { resolvers } from './resolvers/index.js';
import { DemoSeeder } from './seeders/DemoSeeder.js';
import { AuthService } from './services/auth.service.js';

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
      async start(deps) {
        const { config, db, infra, logger } = deps;
        if (!config.bootstrapMaster) return;
        const { username, password } = config.bootstrapMaster;
        const { tokens, scopes } = userModule(deps);
        const auth = new AuthService({
          em: db.orm.em.fork(),
          tokens,
          auth: config.auth,
          limiter: infra.rateLimiter,
          scopes,
          clientAddress: null,
        });
        if (await auth.ensureMaster(username, password)) logger.info({ username }, 'created bootstrap MASTER');
      },
    },
  ],
});
