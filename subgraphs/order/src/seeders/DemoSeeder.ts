import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { DEMO_FIRMS, DEMO_PRODUCTS, loadHubNetwork } from '../../../../lib/demo.js';
import { insertMissing } from '../../../../lib/orm/seed.js';
import { Firm } from '../entities/firm.entity.js';
import { Product } from '../entities/product.entity.js';

/** Three suppliers with two products each and three receivers, spread over six hubs. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const hubAddress = new Map(loadHubNetwork().hubs.map((h) => [h.id, h.address]));
    await insertMissing(em, Firm, DEMO_FIRMS, (f) => ({ ...f, address: hubAddress.get(f.hubId) ?? '' }));
    await insertMissing(em, Product, DEMO_PRODUCTS, (p) => ({ ...p }));
  }
}
