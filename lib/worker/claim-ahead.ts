import type { ClaimedTask } from '../storage/engine.js';
import { Fifo } from './fifo.js';

/** A task claimed ahead should start within about this long. */
const WINDOW_MS = 50;
/** Payload bytes the claimed-ahead tasks may hold in memory, about. */
const PAYLOAD_BUDGET = 4 * 1024 * 1024;
/** Weight of the newest value in the running averages. */
const SMOOTHING = 0.2;

/**
 * Claimed tasks waiting for a free slot, and how many to claim beyond the free slots.
 *
 * A worker that claims only for its free slots spends most of its time waiting on claims when
 * tasks are short: ten no-op tasks run in a fraction of a millisecond, a claim takes a round trip.
 * So the worker claims ahead as many tasks as its slots are expected to start within 50 ms
 * (`concurrency × 50 ms / average attempt duration`, at most `batchSize`, and no more than about
 * 4 MB of payloads) and starts them as slots free up. Slow tasks get little or no look-ahead
 * (none at concurrency 10 once attempts average 500 ms): the worker then claims only for free
 * slots, so a claimed task does not wait in a busy worker while another worker is idle.
 *
 * Claimed-ahead tasks are RUNNING in the database like the running ones (the same lease), so a
 * dead worker's are rescued with the rest.
 */
export class ClaimAhead {
  private readonly ready = new Fifo<ClaimedTask>();
  private averageMs?: number;
  private averagePayload = 0;

  constructor(
    private readonly concurrency: number,
    private readonly batchSize: number,
  ) {}

  /** An attempt finished after `durationMs` (wall time from its start). */
  finished(durationMs: number): void {
    this.averageMs =
      this.averageMs === undefined ? durationMs : this.averageMs + (durationMs - this.averageMs) * SMOOTHING;
  }

  /** Claimed tasks to hold; their payload sizes bound the look-ahead. */
  push(tasks: ClaimedTask[]): void {
    for (const task of tasks) {
      this.averagePayload += ((task.payload?.length ?? 0) - this.averagePayload) * SMOOTHING;
      this.ready.push(task);
    }
  }

  /** Tasks to hold ready beyond the slots: none until an attempt has been timed. */
  get depth(): number {
    if (this.averageMs === undefined) return 0;
    const byTime = (this.concurrency * WINDOW_MS) / Math.max(this.averageMs, 0.01);
    const byMemory = PAYLOAD_BUDGET / Math.max(this.averagePayload, 1);
    return Math.floor(Math.min(this.batchSize, byTime, byMemory));
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
    return this.ready.drain();
  }

  /** How many claimed tasks wait for a slot. */
  get size(): number {
    return this.ready.length;
  }
}
