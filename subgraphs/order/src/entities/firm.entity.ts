import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from '../../../../lib/orm/columns.js';

export const FIRM_TYPES = ['SUPPLIER', 'RECEIVER'] as const;

export const Firm = defineEntity({
  name: 'Firm',
  tableName: 'firms',
  properties: {
    id: idColumn(),
    name: p.string().length(50),
    type: p.enum([...FIRM_TYPES]),
    /** The hub serving the firm (owned by the hub subgraph). */
    hubId: p.uuid().index(),
    address: p.string().length(200),
    createdAt: createdAtColumn(),
  },
});
export type Firm = InferEntity<typeof Firm>;
