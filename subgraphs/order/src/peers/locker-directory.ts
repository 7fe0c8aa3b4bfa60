/** LockerDirectory over federation: asks the locker subgraph's `_entities` for the locker's hub (lib/federation). */
import { fetchEntities, type EntityLookupOptions, type EntityRef } from '../../../../lib/federation/index.js';
import type { LockerDirectory } from '../services/locker-directory.js';

export function federatedLockerDirectory(options: EntityLookupOptions): LockerDirectory {
  return {
    async hubOf(lockerId) {
      const found = await fetchEntities<EntityRef & { hub: EntityRef }>(
        options,
        'locker',
        'Locker',
        [lockerId],
        'hub { id }',
      );
      return found.get(lockerId)?.hub.id ?? null;
    },
  };
}
