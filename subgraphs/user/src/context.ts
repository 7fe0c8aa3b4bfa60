import type { BaseContext } from '../../../lib/subgraph/index.js';
import { byIdLoader } from '../../../lib/orm/loaders.js';
import { User } from './entities/user.entity.js';
import { AuthService } from './services/auth.service.js';
import { RefreshTokenStore } from './services/refresh-tokens.js';
import { UserService } from './services/users.service.js';

export interface UserContext extends BaseContext {
  loaders: { user: ReturnType<typeof byIdLoader<User>> };
  auth: AuthService;
  users: UserService;
}

export function createUserContext(base: BaseContext): UserContext {
  const { kv } = base.deps.infra;
  const authConfig = base.deps.config.auth;
  return {
    ...base,
    loaders: { user: byIdLoader(base.em, User) },
    auth: new AuthService(base.em, new RefreshTokenStore(kv, authConfig.refreshTokenTtlSeconds), authConfig),
    users: new UserService(base.em),
  };
}
