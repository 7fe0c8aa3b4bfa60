import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { loadHubNetwork } from '../../../../lib/demo.js';
import { insertMissing } from '../../../../lib/orm/seed.js';
import { Hub } from '../entities/hub.entity.js';
import { HubLink } from '../entities/hub-link.entity.js';

/** The 17 hubs and 18 links of data/hubs.json. Link ids are derived from their hubs' ids. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const network = loadHubNetwork();
    await insertMissing(em, Hub, network.hubs, (h) => ({ ...h }));
    const links = network.links.map((l, i) => ({
      id: `0190f000-0000-7000-8000-0007${(i + 1).toString(16).padStart(8, '0')}`,
      fromHubId: l.a,
      toHubId: l.b,
    }));
    await insertMissing(em, HubLink, links, (l) => l);
  }
}
