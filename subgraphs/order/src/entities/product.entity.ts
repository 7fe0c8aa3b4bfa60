import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from '../../../../lib/orm/columns.js';

export const Product = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    id: idColumn(),
    /** The supplier firm selling it. */
    firmId: p.uuid().index(),
    name: p.string().length(100),
    /** Units that can still be ordered; never negative (ordering decrements it atomically). */
    stock: p.integer().unsigned(),
    /** KRW. */
    price: p.integer().unsigned(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
export type Product = InferEntity<typeof Product>;
