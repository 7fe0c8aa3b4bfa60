import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { DEMO_PASSWORD, DEMO_USERS } from '../../../../lib/demo.js';
import { insertMissing } from '../../../../lib/orm/seed.js';
import { User } from '../entities/user.entity.js';
import { hashPassword } from '../services/passwords.js';

/** One user per role plus a driver per hub, all with the demo password (README lists them). */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    await insertMissing(em, User, DEMO_USERS, async (u) => ({
      id: u.id,
      username: u.username,
      name: u.name,
      role: u.role,
      status: 'ACTIVE' as const,
      hubId: u.hubId ?? null,
      firmId: u.firmId ?? null,
      passwordHash: await hashPassword(DEMO_PASSWORD),
    }));
  }
}
