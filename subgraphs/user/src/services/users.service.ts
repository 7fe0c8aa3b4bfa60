import type { EntityManager } from '@mikro-orm/core';
import { requireRole, type Viewer } from '../../../../lib/auth/viewer.js';
import { User } from '../entities/user.entity.js';

export class UserDirectory {
  constructor(private readonly em: EntityManager) {}

  /** MASTER only: every user, or those waiting for approval of a requested role. */
  async list(viewer: Viewer, pendingOnly: boolean): Promise<User[]> {
    requireRole(viewer, 'MASTER');
    return this.em.find(User, pendingOnly ? { requestedRole: { $ne: null } } : {}, { orderBy: { username: 'asc' } });
  }
}
