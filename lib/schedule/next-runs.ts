import { nextRun } from './next-run.js';
import { parseSchedule } from './parse-schedule.js';
import type { ScheduleSpec } from './schedule.types.js';

/** Options of `nextRuns`. */
export interface NextRunsOptions {
  /** Preview slots strictly after this instant. Default: now. */
  from?: Date | number;
  /** How many slots to return. Default 5. */
  count?: number;
  /** Time zone when the spec has none (the module's `timezone`). Default `'UTC'`. */
  timezone?: string;
  /** Job name used in error messages. Default `'(preview)'`. */
  job?: string;
}

/**
 * The next `count` instants a schedule spec would run at, computed by the same code as the
 * worker. Intervals are anchored at `startAt`, else at `from`; a spec with `repeats` yields at
 * most that many instants; the list ends early at `stopAt`.
 *
 * @throws InvalidScheduleError for an invalid spec, exactly as at start-up.
 */
export function nextRuns(spec: ScheduleSpec, options: NextRunsOptions = {}): Date[] {
  const job = options.job ?? '(preview)';
  const schedule = parseSchedule(job, spec, { timezone: options.timezone });
  const from =
    options.from === undefined ? Date.now() : options.from instanceof Date ? options.from.getTime() : options.from;
  const requested = options.count ?? 5;
  const count = schedule.limits.repeats > 0 ? Math.min(requested, schedule.limits.repeats) : requested;
  const anchor = schedule.limits.startAt ?? from;
  const runs: Date[] = [];
  let cursor = from;
  while (runs.length < count) {
    const slot = nextRun(schedule, cursor, anchor);
    if (slot === null) break;
    runs.push(new Date(slot));
    cursor = slot;
  }
  return runs;
}
