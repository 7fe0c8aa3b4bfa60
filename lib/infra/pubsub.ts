/**
 * Fire-and-forget pub/sub between replicas (subscription fan-out). Redis needs a dedicated connection
 * for subscribing, so the Redis implementation keeps two.
 */
import { createClient, type RedisClientType } from 'redis';

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export class MemoryPubSub implements PubSub {
  private readonly listeners = new Map<string, Set<(message: string) => void>>();

  async publish(channel: string, message: string) {
    // Deliver asynchronously, like Redis does, so publishers never run subscriber code inline.
    const set = this.listeners.get(channel);
    if (!set) return;
    for (const listener of [...set]) queueMicrotask(() => listener(message));
  }

  async subscribe(channel: string, listener: (message: string) => void) {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(channel);
    };
  }

  async close() {
    this.listeners.clear();
  }
}

export class RedisPubSub implements PubSub {
  private constructor(
    private readonly pub: RedisClientType,
    private readonly sub: RedisClientType,
    private readonly prefix: string,
  ) {}

  /** `onError` as for RedisKeyValueStore.connect: without it a Redis restart would crash the process. */
  static async connect(url: string, prefix: string, onError: (err: Error) => void): Promise<RedisPubSub> {
    const pub: RedisClientType = createClient({ url });
    const sub = pub.duplicate();
    pub.on('error', onError);
    sub.on('error', onError);
    await Promise.all([pub.connect(), sub.connect()]);
    return new RedisPubSub(pub, sub, prefix);
  }

  async publish(channel: string, message: string) {
    await this.pub.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, listener: (message: string) => void) {
    const name = this.prefix + channel;
    await this.sub.subscribe(name, listener);
    return async () => {
      if (this.sub.isOpen) await this.sub.unsubscribe(name, listener);
    };
  }

  async close() {
    await Promise.all([this.pub, this.sub].map(async (c) => c.isOpen && (await c.close())));
  }
}

/**
 * Payload type per topic, like Hive's TopicDataMap. Topics may be template literals, so one entry
 * types a whole family: `{ [topic: `lockerUpdated:${string}`]: { lockerId: string } }`. Each subgraph
 * declares the map of the topics it publishes, as a type alias (interfaces do not satisfy index signatures).
 */
export type TopicMap = { [topic: string]: unknown };

/** PubSub with a payload type per topic instead of bare strings; JSON on the wire. */
export interface TypedPubSub<M extends TopicMap> {
  publish<T extends keyof M & string>(topic: T, payload: M[T]): Promise<void>;
  subscribe<T extends keyof M & string>(topic: T, listener: (payload: M[T]) => void): Promise<Unsubscribe>;
  /**
   * The topic as an async iterator, for subscription resolvers. It resolves once the subscription is live (so a
   * message published after it is delivered), and its `return()` unsubscribes at once, not at the next message.
   * At most `buffer` messages wait for a slow reader; older ones are dropped (they are nudges to refetch).
   */
  iterate<T extends keyof M & string>(topic: T, options?: { buffer?: number }): Promise<AsyncIterableIterator<M[T]>>;
}

export function typedPubSub<M extends TopicMap>(pubsub: PubSub): TypedPubSub<M> {
  return {
    publish: (topic, payload) => pubsub.publish(topic, JSON.stringify(payload)),
    subscribe: (topic, listener) =>
      pubsub.subscribe(topic, (message) => listener(JSON.parse(message) as M[typeof topic])),
    iterate: (topic, options) => iterateTopic<M[typeof topic]>(pubsub, topic, options?.buffer ?? 1000),
  };
}

async function iterateTopic<T>(pubsub: PubSub, topic: string, buffer: number): Promise<AsyncIterableIterator<T>> {
  const queue: T[] = [];
  const waiting: ((result: IteratorResult<T>) => void)[] = [];
  let done = false;
  const unsubscribe = await pubsub.subscribe(topic, (message) => {
    if (done) return;
    const value = JSON.parse(message) as T;
    const reader = waiting.shift();
    if (reader) return reader({ value, done: false });
    queue.push(value);
    if (queue.length > buffer) queue.shift();
  });
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      queue.length = 0;
      for (const reader of waiting.splice(0)) reader({ value: undefined, done: true });
      await unsubscribe();
    }
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<T> = {
    next: () =>
      queue.length
        ? Promise.resolve({ value: queue.shift()!, done: false })
        : done
          ? Promise.resolve({ value: undefined, done: true })
          : new Promise((resolve) => waiting.push(resolve)),
    return: finish,
    async throw(error: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
