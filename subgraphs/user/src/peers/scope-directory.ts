/** ScopeDirectory over federation: asks the hub and order subgraphs' `_entities` (lib/federation). */
import { existingEntityIds, type EntityLookupOptions } from '../../../../lib/federation/index.js';
import type { ScopeDirectory } from '../services/scope-directory.js';

export function federatedScopeDirectory(options: EntityLookupOptions): ScopeDirectory {
  const exists = async (owner: 'hub' | 'order', typename: string, id: string) =>
    (await existingEntityIds(options, owner, typename, [id])).has(id);
  return {
    async missing({ hubId, firmId }) {
      const [hubOk, firmOk] = await Promise.all([
        hubId ? exists('hub', 'Hub', hubId) : true,
        firmId ? exists('order', 'Firm', firmId) : true,
      ]);
      return !hubOk ? 'hubId' : !firmOk ? 'firmId' : null;
    },
  };
}
