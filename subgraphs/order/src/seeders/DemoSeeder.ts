import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { insertMissing, readDataFile } from '../../../../lib/orm/seed.js';
import { Firm } from '../entities/firm.entity.js';
import { Product } from '../entities/product.entity.js';

type DemoFirm = Pick<Firm, 'id' | 'name' | 'type' | 'hubId'>;
type DemoProduct = Pick<Product, 'id' | 'firmId' | 'name' | 'stock' | 'price'>;

/**
 * data/demo/firms.json and products.json: three suppliers with two products each and three receivers,
 * spread over six hubs. A demo firm sits at its hub's address (read from data/hubs.json, not from the
 * hub subgraph's database).
 */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const { hubs } = readDataFile<{ hubs: { id: string; address: string }[] }>('hubs.json');
    const hubAddress = new Map(hubs.map((h) => [h.id, h.address]));
    await insertMissing(em, Firm, readDataFile<DemoFirm[]>('demo/firms.json'), (f) => ({
      ...f,
      address: hubAddress.get(f.hubId) ?? '',
    }));
    await insertMissing(em, Product, readDataFile<DemoProduct[]>('demo/products.json'), (p) => ({ ...p }));
  }
}
