/**
 * Work on one key runs one at a time, in arrival order, within this process; work on different keys runs freely.
 *
 * createOrder takes its key's turn before it replays or places: requests retried with one idempotency key then meet
 * a committed key (and replay it) or none, instead of all waiting on the key's unique index, where InnoDB turns a
 * rolled-back holder into a deadlock among the waiters. Across processes the index and the deadlock retries still decide.
 */
export class KeyTurns {
  /** Each key's last turn, settled or not; deleted when the last turn ends, so the map holds only busy keys. */
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const mine = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** How many keys have work under way or waiting (for tests). */
  get busy(): number {
    return this.tails.size;
  }
}

/** The order subgraph's one instance: turns are only worth taking if every request in the process shares them. */
export const idempotencyKeyTurns = new KeyTurns();
