/**
 * A first-in, first-out queue in a ring buffer that grows by doubling.
 *
 * Written for a worker's hot path instead of an array's `push` and `shift`: a long-lived array
 * used as a queue keeps reallocating its backing store (each `shift` trims it from the front, so
 * pushes keep running out of room), and once the array has been promoted to the old generation,
 * every abandoned store still points at the young tasks it held. Until the next full collection
 * those dead stores keep the tasks alive through every young-generation collection, so they are
 * promoted with everything they reference. Here a taken item's slot is cleared at once, and the
 * old buffer is cleared when the queue grows, so nothing dead points at anything.
 */
export class Fifo<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private count = 0;

  /** @param capacity initial room, rounded up to a power of two */
  constructor(capacity = 16) {
    this.slots = new Array<T | undefined>(2 ** Math.ceil(Math.log2(Math.max(2, capacity)))).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = item;
    this.count++;
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
    return item;
  }

  some(predicate: (item: T) => boolean): boolean {
    for (let n = 0; n < this.count; n++) {
      if (predicate(this.slots[(this.head + n) & (this.slots.length - 1)] as T)) return true;
    }
    return false;
  }

  /** Every item, oldest first; the queue is left empty. */
  drain(): T[] {
    const items: T[] = new Array<T>(this.count);
    for (let n = 0; n < items.length; n++) items[n] = this.shift() as T;
    return items;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let n = 0; n < this.count; n++) slots[n] = old[(this.head + n) & (old.length - 1)];
    old.fill(undefined);
    this.slots = slots;
    this.head = 0;
  }
}
