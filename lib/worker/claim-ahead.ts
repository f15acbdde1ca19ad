import type { ClaimedTask } from '../storage/engine.js';

/** How far ahead the worker claims: about the tasks it starts within this window. */
const WINDOW_MS = 50;

/**
 * Claimed tasks waiting for a free slot, and how many to claim beyond the free slots.
 *
 * With short tasks a worker that claims only for its free slots spends most of its time waiting
 * for the next claim: ten no-op tasks run in a fraction of a millisecond, a claim takes a round
 * trip. So the worker claims ahead as many tasks as it finished in about the last 50 ms (an
 * exponentially decaying count), at most `batchSize`, and starts them as slots free up. Slow
 * tasks finish rarely, so their count stays near zero and the worker claims only for free slots:
 * a claimed task never waits long in a busy worker while another worker is idle.
 *
 * Claimed-ahead tasks are RUNNING in the database like the running ones (the same lease), so a
 * dead worker's are rescued with the rest.
 */
export class ClaimAhead {
  readonly ready: ClaimedTask[] = [];
  private recent = 0;
  private lastFinish = 0;

  constructor(
    private readonly concurrency: number,
    private readonly batchSize: number,
  ) {}

  /** An attempt finished: one more start the slots can make per window. */
  finished(now = performance.now()): void {
    this.recent = this.decayed(now) + 1;
    this.lastFinish = now;
  }

  /** How many to claim now for `running` tasks: 0 while the ready tasks still cover the window. */
  want(running: number, now = performance.now()): number {
    const depth = Math.min(this.batchSize, Math.floor(this.decayed(now)));
    const room = this.concurrency + depth - running - this.ready.length;
    if (room <= 0) return 0;
    const idleSlots = this.concurrency - running - this.ready.length;
    // Refill once half the look-ahead is used, so claims stay batches rather than one task each.
    if (idleSlots <= 0 && room < Math.ceil(depth / 2)) return 0;
    return Math.min(room, this.batchSize);
  }

  /** The next claimed task to start, if a slot is free. */
  next(running: number): ClaimedTask | undefined {
    return running < this.concurrency ? this.ready.shift() : undefined;
  }

  holds(taskId: number): boolean {
    return this.ready.some((task) => task.id === taskId);
  }

  /** Empty the ready list, returning what it held. */
  take(): ClaimedTask[] {
    return this.ready.splice(0, this.ready.length);
  }

  private decayed(now: number): number {
    return this.recent === 0 ? 0 : this.recent * Math.exp(-(now - this.lastFinish) / WINDOW_MS);
  }
}
