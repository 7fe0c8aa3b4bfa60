/**
 * The dispatch notice of a delivery (docs/domain.md §6), posted when `delivery.created` comes back to this subgraph:
 * outside the transaction that created the delivery (a slow or failing Discord never holds or fails it), and not
 * lost when the process dies after that commit (the event stays in the outbox, then in the stream, until handled).
 *
 * Posted once per delivery: the notice row is inserted before posting, so a second handler of the same delivery (a
 * redelivered or reclaimed event) waits for the first one's commit and then finds the notice sent. Only a crash
 * between Discord's answer and that commit can post it twice. The post, retries included, runs inside the handler's
 * transaction, bounded by the client's budget (27 s at worst, notices/discord.ts); a slow handler is never run twice
 * by the consumer runner, which claims messages by partition lease, not by idle time.
 */
import type { EntityManager } from '@mikro-orm/core';
import { dispatchDeadline, parseRequestedArrival } from '../domain/dispatch-deadline.js';
import { dispatchNoticeText } from '../domain/notice.js';
import { DeliveryLeg } from '../entities/delivery-leg.entity.js';
import { Delivery } from '../entities/delivery.entity.js';
import { DispatchNotice } from '../entities/dispatch-notice.entity.js';
import { inTransaction, lockOrCreate } from './locks.js';
import { deliveryRuntime, type NoticeOutcome } from './runtime.js';

export class DispatchNoticeService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Posts the notice of `deliveryId` unless it was sent (or skipped for want of a webhook) already; a notice that
   * failed before is tried again. Returns the outcome, or null when there was nothing to do.
   */
  postFor(deliveryId: string): Promise<NoticeOutcome | null> {
    return inTransaction(this.em, async (em) => {
      const notice = await lockOrCreate(em, DispatchNotice, { deliveryId }, () => ({
        deliveryId,
        status: 'SENDING' as const,
        attempts: 0,
        lastError: null,
        createdAt: new Date(),
        sentAt: null,
      }));
      // SENDING is never committed: seeing it means this transaction just created the row.
      if (notice.status === 'SENT' || notice.status === 'SKIPPED') return null;
      const delivery = await em.findOneOrFail(Delivery, { id: deliveryId });
      const legs = await em.find(DeliveryLeg, { deliveryId }, { orderBy: { sequence: 'asc' } });
      const { deadline, meetsRequest } = dispatchDeadline({
        orderedAt: delivery.orderCreatedAt,
        etaSeconds: delivery.expectedDurationSeconds,
        requestedArrival: parseRequestedArrival(delivery.requestNote, delivery.orderCreatedAt),
      });
      const text = dispatchNoticeText({
        orderId: delivery.orderId,
        receiver:
          delivery.destinationKind === 'FIRM'
            ? { kind: 'FIRM', name: delivery.receiverName ?? '', address: delivery.receiverAddress ?? '' }
            : { kind: 'LOCKER', lockerId: delivery.lockerId ?? '' },
        productName: delivery.productName,
        quantity: delivery.quantity,
        requestNote: delivery.requestNote ?? null,
        hubNames: [...legs.map((l) => l.fromHubName)],
        firstManager: legs[0]?.managerId ?? null,
        etaSeconds: delivery.expectedDurationSeconds,
        deadline,
        meetsRequest,
      });
      const outcome = await deliveryRuntime(em).notifier.post(text);
      Object.assign(notice, {
        status: outcome.status,
        attempts: notice.attempts + outcome.attempts,
        lastError: outcome.error?.slice(0, 500) ?? null,
        sentAt: outcome.status === 'SENT' ? new Date() : null,
      });
      await em.flush();
      return outcome;
    });
  }
}
