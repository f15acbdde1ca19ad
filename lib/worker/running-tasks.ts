import type { RunningTask } from '../execution/task-runner.js';

/**
 * The attempts a worker is running, by task id: a dense array in which each attempt knows its
 * own place (`RunningTask.slot`), so adding and removing cost O(1) and allocate nothing.
 *
 * Deliberately not a `Map`. A map that sees one insert and one delete per attempt rehashes every
 * few dozen attempts, and V8 links each obsolete hash table to its successor (for iterators that
 * are still walking it). Once one of those tables has been promoted to the old generation, the
 * link keeps every later table, and every attempt they held with its task, outcome and output,
 * alive through young-generation collections until the next full collection: a worker draining
 * tens of thousands of short tasks a second promoted megabytes of garbage per scavenge, and its
 * old generation grew by about 1 KB per task between full collections.
 *
 * Look-ups by id scan the array; they serve the periodic housekeeping (a few per second, over at
 * most `concurrency` attempts), never the per-attempt path.
 */
export class RunningTasks implements Iterable<RunningTask> {
  private readonly tasks: RunningTask[] = [];

  get size(): number {
    return this.tasks.length;
  }

  add(running: RunningTask): void {
    if (running.slot !== -1) return;
    running.slot = this.tasks.length;
    this.tasks.push(running);
  }

  /** Remove the attempt; the last one takes its place. False when it was not here. */
  remove(running: RunningTask): boolean {
    const slot = running.slot;
    if (slot === -1 || this.tasks[slot] !== running) return false;
    const last = this.tasks.pop()!;
    if (last !== running) {
      this.tasks[slot] = last;
      last.slot = slot;
    }
    running.slot = -1;
    return true;
  }

  /** The attempt running task `taskId`, if any. */
  get(taskId: number): RunningTask | undefined {
    for (const running of this.tasks) if (running.task.id === taskId) return running;
    return undefined;
  }

  has(taskId: number): boolean {
    return this.get(taskId) !== undefined;
  }

  /** A snapshot: safe to iterate while attempts settle and leave. */
  values(): RunningTask[] {
    return this.tasks.slice();
  }

  [Symbol.iterator](): Iterator<RunningTask> {
    return this.values()[Symbol.iterator]();
  }
}
