/**
 * The outbox relay (docs/events.md §4): publishes a subgraph's committed outbox rows to the transport, signed, in
 * id order (UUIDv7 = the order they were recorded), and marks them published once the transport accepted them, in
 * the same database transaction that claimed them. A crash between publishing and marking publishes them again
 * (consumers skip them by their inbox); nothing is marked before it was accepted, so nothing is lost.
 *
 * When it looks: right after a transaction of this process that wrote outbox rows commits (a MikroORM subscriber
 * nudges it), and every `pollIntervalMs` for what it was not told about (another replica's commits, a failed round).
 *
 * Two replicas of a subgraph (MySQL/MariaDB): each round claims the oldest unpublished rows with
 * `FOR UPDATE SKIP LOCKED`, then checks that no older unpublished row exists; if one does, another relay holds it
 * and this one backs off rather than publish later events before earlier ones. So replicas take turns, each event
 * is published by one of them, and in order. SQLite (embedded) has one process, hence one relay per database.
 */
import {
  ChangeSetType,
  IsolationLevel,
  LockMode,
  type EventSubscriber,
  type FlushEventArgs,
  type MikroORM,
  type TransactionEventArgs,
} from '@mikro-orm/core';
import { BaseSqlitePlatform } from '@mikro-orm/libsql';
import type { Logger } from '../logger/index.js';
import { parseEnvelope, type EventEnvelope } from './envelope.js';
import { OutboxEvent } from './outbox.js';
import { pruneOutbox } from './retention.js';
import { signEvent } from './signing.js';
import type { EventTransport } from './transport.js';

/** What the relay reports for metrics (lib/metrics SubgraphMetrics): seconds from recording to publication. */
export interface RelayObserver {
  published(delaysSeconds: readonly number[]): void;
}

export interface OutboxRelayOptions {
  orm: MikroORM;
  /** Told the delay of each event it published (metrics). */
  observer?: RelayObserver;
  transport: EventTransport;
  /** EVENT_SECRET: the relay signs every envelope it publishes. */
  secret: string;
  logger: Logger;
  /** Rows claimed and published per round (one transaction, one transport call). @default 200 */
  batchSize?: number;
  /** How often it looks without being nudged, in ms. @default 500 */
  pollIntervalMs?: number;
  /** Longest wait after failed rounds (transport or database down), in ms; it doubles from 100 ms. @default 5000 */
  maxBackoffMs?: number;
  /** Published rows older than this are deleted, in ms. @default 7 days */
  retentionMs?: number;
  /** How often old rows are deleted, in ms. @default 1 hour */
  pruneIntervalMs?: number;
  /**
   * How long `stop()` waits for a round in progress, in ms (a transport that is down may hold one for long); past
   * it the round is left to fail on its own, its rows unmarked. @default 5000
   */
  stopTimeoutMs?: number;
}

export interface RelayRound {
  /** Rows published and marked in this round. */
  published: number;
  /** Another relay holds older unpublished rows: this one published nothing, to keep the order. */
  yielded: boolean;
}

const isSqlite = (orm: MikroORM) => orm.em.getPlatform() instanceof BaseSqlitePlatform;

/**
 * One round: claims up to `batchSize` of the oldest unpublished rows, publishes them signed, marks them published,
 * commits. Throws when the transport refuses (the rows stay unpublished).
 */
export async function relayOutboxOnce(
  options: Pick<OutboxRelayOptions, 'orm' | 'transport' | 'secret' | 'logger' | 'batchSize' | 'observer'>,
): Promise<RelayRound> {
  const { orm, transport, secret, logger, observer } = options;
  const sqlite = isSqlite(orm);
  return orm.em.fork().transactional(
    async (em) => {
      const rows = await em.find(
        OutboxEvent,
        { publishedAt: null },
        {
          orderBy: { id: 'asc' },
          limit: options.batchSize ?? 200,
          // SQLite has one writer and no row locks (and knex warns about FOR UPDATE there).
          ...(sqlite ? {} : { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE }),
        },
      );
      if (rows.length === 0) return { published: 0, yielded: false };
      if (!sqlite && (await em.count(OutboxEvent, { publishedAt: null, id: { $lt: rows[0]!.id } })) > 0) {
        return { published: 0, yielded: true };
      }
      const events: EventEnvelope[] = [];
      for (const row of rows) {
        try {
          events.push(signEvent(parseEnvelope(row.envelope), secret));
        } catch (err) {
          // Cannot happen through Outbox.record; were it to, one bad row must not hold back every later event.
          logger.error({ err, eventId: row.id, type: row.type }, 'outbox row is not an envelope; marked, not sent');
        }
      }
      await transport.publish(...events);
      const publishedAt = new Date();
      await em.nativeUpdate(OutboxEvent, { id: { $in: rows.map((r) => r.id) } }, { publishedAt });
      observer?.published(rows.map((r) => Math.max(0, publishedAt.getTime() - r.createdAt.getTime()) / 1000));
      return { published: rows.length, yielded: false };
    },
    // Without gap locks, a round never makes a business transaction that records an event wait.
    sqlite ? {} : { isolationLevel: IsolationLevel.READ_COMMITTED },
  );
}

/**
 * How many outbox rows wait for the relay, and the age of the oldest in seconds (0 when none): the outbox lag, read
 * when metrics are scraped (two indexed reads: `published_at` is indexed, ids are time-ordered).
 */
export async function outboxBacklog(orm: MikroORM): Promise<{ rows: number; oldestAgeSeconds: number }> {
  const em = orm.em.fork();
  const [rows, oldest] = await Promise.all([
    em.count(OutboxEvent, { publishedAt: null }),
    em.findOne(OutboxEvent, { publishedAt: null }, { orderBy: { id: 'asc' }, fields: ['createdAt'] }),
  ]);
  const oldestAgeSeconds = oldest ? Math.max(0, Date.now() - oldest.createdAt.getTime()) / 1000 : 0;
  return { rows, oldestAgeSeconds };
}

/** Starts the relay of one subgraph's outbox; returns how to stop it (waits for a round in progress). */
export async function startOutboxRelay(options: OutboxRelayOptions): Promise<() => Promise<void>> {
  const { orm, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
  const batchSize = options.batchSize ?? 200;
  let stopped = false;
  let nudged = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    nudged = true;
    wake?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const unsubscribe = onOutboxCommit(orm, nudge);
  const loop = (async () => {
    for (let failures = 0; !stopped;) {
      nudged = false;
      try {
        const round = await relayOutboxOnce({ ...options, batchSize });
        failures = 0;
        if (round.published > 0) logger.debug({ published: round.published }, 'outbox events published');
        // A full batch means more are waiting.
        if (round.published === batchSize) continue;
      } catch (err) {
        failures++;
        const backoff = Math.min(maxBackoffMs, 100 * 2 ** (failures - 1));
        logger.warn({ err, failures, backoffMs: backoff }, 'outbox relay round failed; retrying');
        await sleep(backoff);
        continue;
      }
      if (!nudged && !stopped) await sleep(pollIntervalMs);
    }
  })();

  const prune = async () => {
    try {
      const pruned = await pruneOutbox(orm, new Date(Date.now() - retentionMs));
      if (pruned) logger.info({ pruned }, 'old published outbox rows deleted');
    } catch (err) {
      logger.warn({ err }, 'outbox pruning failed');
    }
  };
  const pruneTimer = setInterval(() => void prune(), options.pruneIntervalMs ?? 3600_000);
  pruneTimer.unref();

  return async () => {
    stopped = true;
    clearInterval(pruneTimer);
    unsubscribe();
    wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([loop, new Promise((resolve) => (timer = setTimeout(resolve, options.stopTimeoutMs ?? 5000)))]);
    clearTimeout(timer);
  };
}

const commitListeners = new WeakMap<MikroORM, Set<() => void>>();

/**
 * Calls `listener` after each commit, through `orm`, of a transaction that inserted outbox rows. Returns how to stop.
 * One subscriber per ORM serves every listener (MikroORM cannot unregister subscribers).
 */
export function onOutboxCommit(orm: MikroORM, listener: () => void): () => void {
  let listeners = commitListeners.get(orm);
  if (!listeners) {
    listeners = new Set();
    commitListeners.set(orm, listeners);
    orm.em.getEventManager().registerSubscriber(new OutboxCommitSubscriber(listeners));
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

class OutboxCommitSubscriber implements EventSubscriber {
  /** Open transactions (their root) that flushed outbox rows. */
  private readonly pending = new WeakSet<object>();
  constructor(private readonly listeners: Set<() => void>) {}

  afterFlush({ em, uow }: FlushEventArgs): void {
    if (this.listeners.size === 0) return;
    const wroteOutbox = uow
      .getChangeSets()
      .some((cs) => cs.type === ChangeSetType.CREATE && cs.name === OutboxEvent.meta.className);
    if (!wroteOutbox) return;
    const trx = em.getTransactionContext<object>();
    // Flushed outside a transaction: the flush's own transaction has committed already.
    if (trx) this.pending.add(rootTransaction(trx));
    else this.notify();
  }

  afterTransactionCommit({ transaction }: TransactionEventArgs): void {
    if (transaction && this.pending.delete(transaction as object)) this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * A nested `em.transactional` runs in a savepoint whose context points at its parent through a symbol of the SQL
 * driver; only the root's commit is announced.
 */
function rootTransaction(trx: object): object {
  for (;;) {
    const parent = Object.getOwnPropertySymbols(trx).find((s) => s.description === 'parentTransaction');
    if (!parent) return trx;
    trx = (trx as Record<symbol, object>)[parent]!;
  }
}
