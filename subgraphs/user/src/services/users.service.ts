/**
 * The user directory and its administration: MASTER only. A change of role or status raises the user's token
 * version in the same transaction and then publishes it, so the user's access tokens stop working at once
 * (lib/auth/sessions.ts); a refresh issues one that carries the new role.
 */
import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { SessionRegistry } from '../../../../lib/auth/sessions.js';
import { requireRole, type Role, type Viewer } from '../../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, badInput, notFound } from '../../../../lib/errors/index.js';
import { assertScopeFits } from '../domain/credentials.js';
import { User, type UserStatus } from '../entities/user.entity.js';
import type { ScopeDirectory } from './scope-directory.js';

export interface UserServiceDeps {
  em: EntityManager;
  sessions: SessionRegistry;
  scopes: ScopeDirectory;
}

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  /** Every user, or those waiting for approval of a requested role. */
  async list(viewer: Viewer, pendingOnly: boolean): Promise<User[]> {
    requireRole(viewer, 'MASTER');
    return this.deps.em.find(User, pendingOnly ? { requestedRole: { $ne: null } } : {}, {
      orderBy: { username: 'asc' },
    });
  }

  /** One user by id (through the request's loader, so it batches with reference lookups). */
  async get(viewer: Viewer, id: string, load: (id: string) => Promise<User | null>): Promise<User | null> {
    requireRole(viewer, 'MASTER');
    return load(id);
  }

  /** Grants a role (default: the requested one) with its hub/firm scope, which must exist. */
  async approve(
    viewer: Viewer,
    input: { userId: string; role?: Role | null; hubId?: string | null; firmId?: string | null },
  ): Promise<User> {
    requireRole(viewer, 'MASTER');
    const current = await this.deps.em.findOne(User, { id: input.userId });
    if (!current) throw notFound('User', input.userId);
    const role = input.role ?? current.requestedRole;
    if (!role) throw badInput('The user requested no role; pass one', 'role');
    const scope = {
      hubId: role === 'HUB_MANAGER' || role === 'DELIVERY_MANAGER' ? (input.hubId ?? current.hubId ?? null) : null,
      firmId: role === 'FIRM_MANAGER' ? (input.firmId ?? current.firmId ?? null) : null,
    };
    assertScopeFits(role, scope);
    const missing = await this.deps.scopes.missing(scope);
    if (missing) throw badInput(`No ${missing === 'hubId' ? 'hub' : 'firm'} has the id ${scope[missing]}`, missing);
    return this.change(input.userId, { role, requestedRole: null, ...scope });
  }

  /** Disables an account (every token stops working, sign-in is refused) or enables it again. */
  async setStatus(viewer: Viewer, userId: string, status: UserStatus): Promise<User> {
    requireRole(viewer, 'MASTER');
    return this.change(userId, { status });
  }

  /**
   * Applies a change of role, scope or status in a transaction that keeps at least one active MASTER: the
   * active MASTER rows are locked first (FOR UPDATE on MySQL/MariaDB; SQLite serializes writers anyway), so two
   * MASTERs demoting each other at once cannot both succeed.
   */
  private async change(
    userId: string,
    changes: Partial<Pick<User, 'role' | 'requestedRole' | 'hubId' | 'firmId' | 'status'>>,
  ) {
    const user = await this.deps.em.transactional(async (em) => {
      const masters = await em.find(
        User,
        { role: 'MASTER', status: 'ACTIVE' },
        { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
      );
      const target =
        masters.find((m) => m.id === userId) ??
        (await em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE }));
      if (!target) throw notFound('User', userId);
      const staysMaster = (changes.role ?? target.role) === 'MASTER' && (changes.status ?? target.status) === 'ACTIVE';
      if (masters.includes(target) && !staysMaster && masters.length <= 1) {
        throw new DomainError(
          ErrorCode.LAST_MASTER,
          'The last active MASTER cannot be demoted or disabled; make another MASTER first',
        );
      }
      em.assign(target, { ...changes, tokenVersion: target.tokenVersion + 1 });
      return target;
    });
    // After commit: until this lands, the user's old tokens still pass (at most the gateway's cache time more).
    await this.deps.sessions.publishVersion(user.id, user.tokenVersion);
    return user;
  }
}
