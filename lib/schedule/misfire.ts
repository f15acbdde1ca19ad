import { nextAfterMisfire, nextRun, RUN_ALL_CAP, slotsBetween } from './next-run.js';
import type { NormalizedSchedule } from './schedule.types.js';

/**
 * Where a queued recurring task due at `dueAt` should be moved when it is found at `now`, after
 * a downtime in which no worker ran it. Returns `undefined` to leave it as it is.
 *
 * A task is stale only when the slot after `dueAt` has passed too (one late slot is simply due).
 * Then, with `preventDrift` (calendar schedules by default), the job's `misfire` policy decides:
 * - `'run-once'`: one catch-up run, for the latest missed slot;
 * - `'skip'`: no catch-up, the next future slot;
 * - `'run-all'`: every missed slot in turn (left as it is), unless more than `RUN_ALL_CAP` were
 *   missed, then like `'run-once'`.
 * Without `preventDrift` (intervals by default) the late slot runs once and the next is counted
 * from its end, which already is a single catch-up.
 */
export function staleSlotAdjustment(
  schedule: NormalizedSchedule,
  dueAt: number,
  now: number,
): number | null | undefined {
  if (!schedule.limits.preventDrift) return undefined;
  const following = nextRun(schedule, dueAt, schedule.limits.startAt ?? anchorOf(schedule, dueAt));
  if (following === null || following > now) return undefined;
  if (
    schedule.limits.misfire === 'run-all' &&
    slotsBetween(schedule, dueAt, now, RUN_ALL_CAP + 1, anchorOf(schedule, dueAt)).length <= RUN_ALL_CAP
  ) {
    return undefined;
  }
  const target = nextAfterMisfire(schedule, dueAt, now);
  return target === dueAt ? undefined : target;
}

function anchorOf(schedule: NormalizedSchedule, slot: number): number {
  return schedule.kind === 'interval' ? slot - schedule.initialDelayMs : slot;
}
