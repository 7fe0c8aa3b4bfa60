import { SessionRegistry } from '../../../lib/auth/sessions.js';
import { byIdLoader } from '../../../lib/orm/loaders.js';
import type { BaseContext, SubgraphDeps } from '../../../lib/subgraph/index.js';
import { User } from './entities/user.entity.js';
import { federatedScopeDirectory } from './peers/scope-directory.js';
import { AuthService } from './services/auth.service.js';
import { RefreshTokenStore } from './services/refresh-tokens.js';
import { UserService } from './services/users.service.js';

export interface UserContext extends BaseContext {
  loaders: { user: ReturnType<typeof byIdLoader<User>> };
  auth: AuthService;
  users: UserService;
}

function buildUserModule({ config, infra, peers }: SubgraphDeps) {
  const sessions = new SessionRegistry(infra.kv, config.auth.refreshTokenTtlSeconds);
  return {
    sessions,
    tokens: new RefreshTokenStore(infra.kv, sessions, config.auth.refreshTokenTtlSeconds),
    scopes: federatedScopeDirectory({
      peers,
      passport: { secret: config.auth.passportSecret, ttlSeconds: config.auth.passportTtlSeconds },
    }),
  };
}

const modules = new WeakMap<SubgraphDeps, ReturnType<typeof buildUserModule>>();

/** The pieces of the user subgraph that outlive a request: built once per process's dependencies. */
export function userModule(deps: SubgraphDeps): ReturnType<typeof buildUserModule> {
  let module = modules.get(deps);
  if (!module) modules.set(deps, (module = buildUserModule(deps)));
  return module;
}

export function createUserContext(base: BaseContext): UserContext {
  const { sessions, tokens, scopes } = userModule(base.deps);
  const { em, clientAddress } = base;
  return {
    ...base,
    loaders: { user: byIdLoader(em, User) },
    auth: new AuthService({
      em,
      tokens,
      auth: base.deps.config.auth,
      limiter: base.deps.infra.rateLimiter,
      scopes,
      clientAddress,
    }),
    users: new UserService({ em, sessions, scopes }),
  };
}
