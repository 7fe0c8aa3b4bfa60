import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { insertMissing, readDataFile } from '../../../../lib/orm/seed.js';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';

type DemoManager = Pick<DeliveryManager, 'id' | 'userId' | 'hubId' | 'kind' | 'sequence'>;

/** data/demo/delivery-managers.json: the demo delivery_manager (hub legs) and one last-mile driver per hub. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const managers = readDataFile<DemoManager[]>('demo/delivery-managers.json');
    await insertMissing(em, DeliveryManager, managers, (m) => ({ ...m, available: true }));
  }
}
