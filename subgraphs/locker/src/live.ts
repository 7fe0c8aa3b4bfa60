/**
 * Live updates through the process's pub/sub (Redis in real mode, so any replica can serve any subscriber;
 * docs/events.md §7). A locker's change is published after commit on `locker:<lockerId>` with the committed
 * snapshot, so subscription resolvers need not read it back, and the lockers of one hub changed in one commit go
 * together in one message on `hubLockers:<hubId>`; a command's settlement on `lockerCommand:<commandId>` wakes the
 * request waiting for it, on whichever replica it runs.
 */
import { typedPubSub, type PubSub, type TypedPubSub } from '../../../lib/infra/pubsub.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { CommandWatch, LiveUpdates, LockerSnapshot } from './services/ports.js';

export type LockerTopics = {
  [topic: `locker:${string}`]: LockerSnapshot;
  [topic: `hubLockers:${string}`]: LockerSnapshot[];
  [topic: `lockerCommand:${string}`]: { commandId: string };
};

export const lockerChannel = (lockerId: string) => `locker:${lockerId}` as const;
export const hubLockersChannel = (hubId: string) => `hubLockers:${hubId}` as const;
export const commandChannel = (commandId: string) => `lockerCommand:${commandId}` as const;

export const lockerTopics = (pubsub: PubSub): TypedPubSub<LockerTopics> => typedPubSub<LockerTopics>(pubsub);

/** LiveUpdates on pub/sub. Its promises never reject: a lost nudge is logged (subscribers refetch on reconnect). */
export function pubSubLiveUpdates(pubsub: PubSub, logger: Logger): LiveUpdates {
  const topics = lockerTopics(pubsub);
  const logged = (what: string) => (err: unknown) => logger.warn({ err }, `could not publish ${what}`);
  return {
    async lockersChanged(snapshots) {
      const byHub = new Map<string, LockerSnapshot[]>();
      for (const s of snapshots) byHub.set(s.hubId, [...(byHub.get(s.hubId) ?? []), s]);
      await Promise.all([
        ...snapshots.map((s) => topics.publish(lockerChannel(s.id), s).catch(logged('a locker update'))),
        ...[...byHub].map(([hubId, list]) =>
          topics.publish(hubLockersChannel(hubId), list).catch(logged('a hub’s locker updates')),
        ),
      ]);
    },
    async watchCommand(commandId): Promise<CommandWatch> {
      let wake!: () => void;
      const settled = new Promise<void>((resolve) => (wake = resolve));
      const unsubscribe = await topics.subscribe(commandChannel(commandId), () => wake());
      return { settled, close: () => unsubscribe().catch(logged('(unsubscribe) a command watch')) };
    },
    async commandSettled(commandId) {
      await topics.publish(commandChannel(commandId), { commandId }).catch(logged('a command settlement'));
    },
  };
}

/** A topic whose messages are lists, as an iterator of their items. `return()` goes to the source at once. */
export function eachOf<T>(source: AsyncIterableIterator<T[]>): AsyncIterableIterator<T> {
  const buffered: T[] = [];
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (!buffered.length) {
        const result = await source.next();
        if (result.done) return result;
        buffered.push(...result.value);
      }
      return { value: buffered.shift()!, done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * The topic as an iterator that never goes back: a locker's updates carry its revision, and one older than the
 * newest already delivered (two commits published in the other order) is skipped.
 */
export function newestFirst(source: AsyncIterableIterator<LockerSnapshot>): AsyncIterableIterator<LockerSnapshot> {
  const delivered = new Map<string, number>();
  const iterator: AsyncIterableIterator<LockerSnapshot> = {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done) return result;
        const seen = delivered.get(result.value.id);
        if (seen !== undefined && result.value.revision <= seen) continue;
        delivered.set(result.value.id, result.value.revision);
        return result;
      }
    },
    return: () => source.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    throw: (error: unknown) => source.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
