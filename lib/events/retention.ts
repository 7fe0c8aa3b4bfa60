/**
 * Retention of the event tables: published outbox rows are kept a while for inspection (the relay prunes them), inbox
 * rows long enough that no redelivery can come later (the consumer runner prunes them).
 */
import type { MikroORM } from '@mikro-orm/core';
import { InboxEvent, OutboxEvent } from './outbox.js';

/**
 * The smallest UUIDv7 of a time: rows whose (UUIDv7) id sorts below it were created before it. Lets retention
 * delete by primary-key range.
 */
export function uuidv7Floor(time: Date): string {
  const hex = Math.max(0, time.getTime()).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** Deletes outbox rows published before `before`; returns how many. */
export async function pruneOutbox(orm: MikroORM, before: Date): Promise<number> {
  return orm.em.fork().nativeDelete(OutboxEvent, { publishedAt: { $lt: before } });
}

/** Deletes inbox rows of events that occurred before `before` (by their UUIDv7 ids); returns how many. */
export async function pruneInbox(orm: MikroORM, before: Date): Promise<number> {
  return orm.em.fork().nativeDelete(InboxEvent, { id: { $lt: uuidv7Floor(before) } });
}
