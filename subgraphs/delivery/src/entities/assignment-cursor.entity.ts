import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, updatedAtColumn } from '../../../../lib/orm/columns.js';
import { DELIVERY_MANAGER_KINDS } from './delivery-manager.entity.js';

/**
 * The round-robin cursor of one manager pool (hub, kind): the sequence assigned last. Its row is also the pool's
 * lock: every assignment and release in the pool reads it `FOR UPDATE` first, so two deliveries never take the same
 * person, and the rotation survives restarts.
 */
export const AssignmentCursor = defineEntity({
  name: 'AssignmentCursor',
  tableName: 'assignment_cursors',
  uniques: [{ properties: ['hubId', 'kind'] }],
  properties: {
    id: idColumn(),
    hubId: p.uuid(),
    kind: p.enum([...DELIVERY_MANAGER_KINDS]),
    /** The sequence of the manager assigned last; null before the first assignment. */
    lastSequence: p.integer().nullable(),
    updatedAt: updatedAtColumn(),
  },
});
export type AssignmentCursor = InferEntity<typeof AssignmentCursor>;
