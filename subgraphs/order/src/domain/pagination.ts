/**
 * Cursor pagination of order lists. Orders are listed newest first by id: ids are UUIDv7, so their order is the
 * order of creation and never changes, and a cursor (the last id seen) stays valid however many orders are
 * created or change status meanwhile — no duplicates, no gaps. The cursor is opaque to clients (base64url of a
 * versioned prefix and the id) so its contents can change without breaking them.
 */
import { badInput } from '../../../../lib/errors/index.js';

/** @default 20 orders per page when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest `first` accepted: a page is one bounded query. */
export const MAX_PAGE_SIZE = 100;

const PREFIX = 'order:v1:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(id: string): string {
  return Buffer.from(`${PREFIX}${id}`, 'utf8').toString('base64url');
}

/** The id inside a cursor; BAD_USER_INPUT (field `after`) for anything this module did not make. */
export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!UUID.test(id)) throw badInput('after is not a cursor from this list (use endCursor of a page)', 'after');
  return id;
}

/** The page size for `first`; BAD_USER_INPUT (field `first`) outside 1…MAX_PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}
