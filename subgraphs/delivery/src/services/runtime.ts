/**
 * What the delivery services need from the process beyond their EntityManager: the live-update feed
 * (`delivery:<orderId>`) and the dispatch-notice poster. Requests get them through the context; event handlers are
 * called with nothing but `(event, em)`, so the process attaches them to its ORM (a MikroORM event subscriber, see
 * `attachDeliveryRuntime`) and services find them from any EntityManager of that ORM.
 *
 * The same subscriber runs effects after a commit. A handler's transaction belongs to the consumer runner, which
 * commits after the handler returns; publishing inside the handler would let a subscriber refetch the old state.
 * `publishAfterCommit` queues the effect on the transaction and runs it once the root transaction commits (and drops it on
 * rollback), whoever commits.
 */
import type { EntityManager, EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { DeliveryUpdate } from '../domain/topics.js';

/** Fan-out of "this delivery changed" to live subscribers (fire and forget). */
export interface DeliveryFeed {
  publish(update: DeliveryUpdate): Promise<void>;
}

export interface NoticeOutcome {
  status: 'SENT' | 'FAILED' | 'SKIPPED';
  /** HTTP attempts made. */
  attempts: number;
  /** Why the last attempt failed. */
  error?: string;
}

/** Posts a dispatch notice (a Discord webhook in production); retries are its own business. */
export interface DispatchNotifier {
  post(content: string): Promise<NoticeOutcome>;
}

export interface DeliveryRuntime {
  feed: DeliveryFeed;
  notifier: DispatchNotifier;
  /** Reports an effect that failed after commit (nobody is left to throw to). */
  onEffectError(error: unknown, what: string): void;
}

type Effect = { what: string; run: () => Promise<void> };

class DeliveryRuntimeSubscriber implements EventSubscriber {
  /** Effects per root transaction (knex's transaction object), run after its commit. */
  private readonly pending = new WeakMap<object, Map<string, Effect>>();
  detached = false;

  constructor(readonly runtime: DeliveryRuntime) {}

  defer(em: EntityManager, key: string, effect: Effect): void {
    const transaction = em.getTransactionContext<object>();
    if (!transaction) return this.run(effect);
    let effects = this.pending.get(transaction);
    if (!effects) this.pending.set(transaction, (effects = new Map()));
    // One nudge per key and transaction is enough: subscribers refetch the current state.
    effects.set(key, effect);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    const effects = args.transaction && this.pending.get(args.transaction);
    if (!effects) return;
    this.pending.delete(args.transaction!);
    // Not awaited: MikroORM awaits this hook inside commit(), and a slow pub/sub must not hold the caller.
    if (!this.detached) for (const effect of effects.values()) this.run(effect);
  }

  afterTransactionRollback(args: TransactionEventArgs): void {
    if (args.transaction) this.pending.delete(args.transaction);
  }

  private run(effect: Effect): void {
    void effect.run().catch((err: unknown) => this.runtime.onEffectError(err, effect.what));
  }
}

function subscriberOf(em: EntityManager): DeliveryRuntimeSubscriber {
  for (const subscriber of em.getEventManager().getSubscribers()) {
    if (subscriber instanceof DeliveryRuntimeSubscriber && !subscriber.detached) return subscriber;
  }
  throw new Error('The delivery runtime is not attached to this ORM (server.ts starts it as background work)');
}

/**
 * Attaches `runtime` to the ORM of `em` (its root EntityManager): every fork, and every transaction MikroORM opens
 * from them, shares its event manager's subscribers. Returns how to detach it.
 */
export function attachDeliveryRuntime(em: EntityManager, runtime: DeliveryRuntime): () => void {
  const subscriber = new DeliveryRuntimeSubscriber(runtime);
  em.getEventManager().registerSubscriber(subscriber);
  return () => {
    subscriber.detached = true;
    em.getEventManager().getSubscribers().delete(subscriber);
  };
}

/** The runtime attached to the ORM of `em`; throws when none is (a wiring mistake, loud on purpose). */
export function deliveryRuntime(em: EntityManager): DeliveryRuntime {
  return subscriberOf(em).runtime;
}

/** Publishes `update` on the delivery feed once the transaction of `em` commits (at once outside a transaction). */
export function publishAfterCommit(em: EntityManager, update: DeliveryUpdate): void {
  const subscriber = subscriberOf(em);
  subscriber.defer(em, `feed:${update.deliveryId}`, {
    what: `publish delivery:${update.orderId}`,
    run: () => subscriber.runtime.feed.publish(update),
  });
}
