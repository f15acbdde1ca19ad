import type { ClaimedTask } from '../storage/engine.js';

/** A task claimed ahead should start within about this long. */
const WINDOW_MS = 50;
/** Weight of the newest attempt in the running average of attempt durations. */
const SMOOTHING = 0.2;

/**
 * Claimed tasks waiting for a free slot, and how many to claim beyond the free slots.
 *
 * A worker that claims only for its free slots spends most of its time waiting on claims when
 * tasks are short: ten no-op tasks run in a fraction of a millisecond, a claim takes a round trip.
 * So the worker claims ahead as many tasks as its slots are expected to start within 50 ms
 * (`concurrency × 50 ms / average attempt duration`, at most `batchSize`) and starts them as
 * slots free up. Tasks of a second or more get no look-ahead at all: the worker claims only for
 * free slots, so a claimed task never waits in a busy worker while another worker is idle.
 *
 * Claimed-ahead tasks are RUNNING in the database like the running ones (the same lease), so a
 * dead worker's are rescued with the rest.
 */
export class ClaimAhead {
  readonly ready: ClaimedTask[] = [];
  private averageMs?: number;

  constructor(
    private readonly concurrency: number,
    private readonly batchSize: number,
  ) {}

  /** An attempt finished after `durationMs` (wall time from its start). */
  finished(durationMs: number): void {
    this.averageMs = this.averageMs === undefined ? durationMs : this.averageMs + (durationMs - this.averageMs) * SMOOTHING;
  }

  /** Tasks to hold ready beyond the slots: none until an attempt has been timed. */
  get depth(): number {
    if (this.averageMs === undefined) return 0;
    return Math.min(this.batchSize, Math.floor((this.concurrency * WINDOW_MS) / Math.max(this.averageMs, 0.01)));
  }

  /** How many to claim now for `running` tasks: 0 while the ready tasks still cover the window. */
  want(running: number): number {
    const depth = this.depth;
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
}
