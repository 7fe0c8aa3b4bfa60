/**
 * A binary min-heap: O(log n) push and pop, O(1) peek. Dijkstra's frontier lives in one; the hub
 * network is small, but a heap keeps routing O((V + E) log V) as hubs are added.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /** `compare(a, b) < 0` puts `a` before `b`, as for Array.prototype.sort. */
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    // Sift up: swap with the parent while the new item comes first.
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** The first item, without removing it; undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Removes and returns the first item; undefined when empty. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    // Move the last leaf to the root and sift it down below any child that comes first.
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < items.length && this.compare(items[left]!, items[first]!) < 0) first = left;
      if (right < items.length && this.compare(items[right]!, items[first]!) < 0) first = right;
      if (first === i) return top;
      [items[i], items[first]] = [items[first]!, items[i]!];
      i = first;
    }
  }
}
