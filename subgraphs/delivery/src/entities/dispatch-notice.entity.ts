import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn } from '../../../../lib/orm/columns.js';

/**
 * SENDING exists only inside the handler's transaction (never committed); SENT, FAILED (gave up after the retries)
 * and SKIPPED (no webhook configured) are outcomes.
 */
export const DISPATCH_NOTICE_STATUSES = ['SENDING', 'SENT', 'FAILED', 'SKIPPED'] as const;

/**
 * The dispatch notice of one delivery (posted to Discord on `delivery.created`). Its primary key is what keeps a
 * delivery from being announced twice: the handler inserts the row before posting, so a second handler of the same
 * delivery (a redelivered or reclaimed event) waits on it and then finds it done.
 */
export const DispatchNotice = defineEntity({
  name: 'DispatchNotice',
  tableName: 'dispatch_notices',
  properties: {
    deliveryId: p.uuid().primary(),
    status: p.enum([...DISPATCH_NOTICE_STATUSES]),
    /** HTTP attempts made, retries included. */
    attempts: p.integer(),
    /** Why the last attempt failed (status code or error), for people; null when sent. */
    lastError: p.string().length(500).nullable(),
    createdAt: createdAtColumn(),
    sentAt: p.datetime().length(3).nullable(),
  },
});
export type DispatchNotice = InferEntity<typeof DispatchNotice>;
