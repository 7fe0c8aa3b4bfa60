import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { DEMO_LOCKERS, demoCompartmentId } from '../../../../lib/demo.js';
import { insertMissing } from '../../../../lib/orm/seed.js';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';

/** Three lockers (Seoul, Busan, Daejeon) with their compartments, all empty and offline. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    await insertMissing(em, Locker, DEMO_LOCKERS, ({ compartments: _n, ...locker }) => ({ ...locker, online: false }));
    const compartments = DEMO_LOCKERS.flatMap((locker, l) =>
      Array.from({ length: locker.compartments }, (_, i) => ({
        id: demoCompartmentId(l + 1, i + 1),
        lockerId: locker.id,
        index: i + 1,
      })),
    );
    await insertMissing(em, Compartment, compartments, (c) => ({
      ...c,
      doorOpen: false,
      occupied: false,
      reserved: false,
    }));
  }
}
