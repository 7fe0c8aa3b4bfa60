/** Column builders every entity uses the same way. */
import { p } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';

/** UUIDv7 primary key: time-ordered, so inserts stay at the end of the index. */
export const idColumn = () =>
  p
    .uuid()
    .primary()
    .onCreate(() => uuidv7());
/** Millisecond timestamps (docs/architecture.md §11: datetime length 3). */
export const createdAtColumn = () =>
  p
    .datetime()
    .length(3)
    .onCreate(() => new Date());
export const updatedAtColumn = () =>
  p
    .datetime()
    .length(3)
    .onCreate(() => new Date())
    .onUpdate(() => new Date());
export { uuidv7 };
