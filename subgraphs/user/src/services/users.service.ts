import type { EntityManager } from '@mikro-orm/core';
import { requireRole, type Viewer } from '../../../../lib/auth/viewer.js';
import { User } from '../entities/user.entity.js';

/** Reading the user directory: MASTER only. */
export class UserService {
  constructor(private readonly em: EntityManager) {}

  /** Every user, or those waiting for approval of a requested role. */
  async list(viewer: Viewer, pendingOnly: boolean): Promise<User[]> {
    requireRole(viewer, 'MASTER');
    return this.em.find(User, pendingOnly ? { requestedRole: { $ne: null } } : {}, { orderBy: { username: 'asc' } });
  }

  /** One user by id (through the request's loader, so it batches with reference lookups). */
  async get(viewer: Viewer, id: string, load: (id: string) => Promise<User | null>): Promise<User | null> {
    requireRole(viewer, 'MASTER');
    return load(id);
  }
}
