import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { insertMissing, readDataFile } from '../../../../lib/orm/seed.js';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';

export interface DemoLocker {
  id: string;
  name: string;
  hubId: string;
  address: string;
  compartments: { id: string; index: number }[];
}

export const readDemoLockers = () => readDataFile<DemoLocker[]>('demo/lockers.json');

/** data/demo/lockers.json: three lockers (Seoul, Busan, Daejeon) with their compartments, all empty and offline. */
export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const lockers = readDemoLockers();
    await insertMissing(em, Locker, lockers, ({ compartments: _c, ...locker }) => ({
      ...locker,
      online: false,
      revision: 0,
    }));
    const compartments = lockers.flatMap((l) => l.compartments.map((c) => ({ ...c, lockerId: l.id })));
    await insertMissing(em, Compartment, compartments, (c) => ({
      ...c,
      doorOpen: false,
      occupied: false,
      reserved: false,
    }));
  }
}
