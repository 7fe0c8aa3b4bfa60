import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import type { Role } from '../../../../lib/auth/viewer.js';
import { insertMissing, readDataFile } from '../../../../lib/orm/seed.js';
import { User } from '../entities/user.entity.js';
import { hashPassword } from '../services/passwords.js';

interface DemoUsers {
  password: string;
  users: { id: string; username: string; name: string; role: Role; hubId: string | null; firmId: string | null }[];
}

/** data/demo/users.json: one user per role plus a driver per hub, all with the demo password. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const demo = readDataFile<DemoUsers>('demo/users.json');
    await insertMissing(em, User, demo.users, async (u) => ({
      ...u,
      status: 'ACTIVE' as const,
      passwordHash: await hashPassword(demo.password),
    }));
  }
}
