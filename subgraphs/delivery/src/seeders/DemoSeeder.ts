import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { DEMO_DELIVERY_MANAGERS } from '../../../../lib/demo.js';
import { insertMissing } from '../../../../lib/orm/seed.js';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';

/** The demo delivery_manager (hub legs, Gyeonggi South) and one last-mile driver per hub. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    await insertMissing(em, DeliveryManager, DEMO_DELIVERY_MANAGERS, (m) => ({ ...m, available: true }));
  }
}
