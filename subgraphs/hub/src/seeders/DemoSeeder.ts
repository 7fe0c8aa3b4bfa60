import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { insertMissing, readDataFile } from '../../../../lib/orm/seed.js';
import { Hub } from '../entities/hub.entity.js';
import { HubLink } from '../entities/hub-link.entity.js';

export interface HubNetwork {
  hubs: Pick<Hub, 'id' | 'seq' | 'name' | 'address' | 'postalCode' | 'latitude' | 'longitude' | 'central'>[];
  /** Undirected links between hub ids. */
  links: { a: string; b: string }[];
}

/** The 17 hubs and 18 undirected links of data/hubs.json. */
export const readHubNetwork = () => readDataFile<HubNetwork>('hubs.json');

/** Seeds the hub network. Link ids are derived from their position in the file, so reseeding is idempotent. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const network = readHubNetwork();
    await insertMissing(em, Hub, network.hubs, (h) => ({ ...h }));
    const links = network.links.map((l, i) => ({
      id: `0190f000-0000-7000-8000-0007${(i + 1).toString(16).padStart(8, '0')}`,
      fromHubId: l.a,
      toHubId: l.b,
    }));
    await insertMissing(em, HubLink, links, (l) => l);
  }
}
