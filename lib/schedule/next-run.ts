import { cronLastAtOrBefore, cronNext } from './cron.js';
import type { CronSchedule, IntervalSchedule, NormalizedSchedule } from './schedule.types.js';
import { localDayNumber } from './zoned.js';

/** Under the 'run-all' misfire policy, a backlog larger than this is caught up like 'run-once'. */
export const RUN_ALL_CAP = 100;

const mod = (a: number, n: number): number => ((a % n) + n) % n;

/**
 * The instant slots are counted from: the explicit `anchor`, else `startAt`, else `fallback`.
 * Matters for intervals (slots at `anchor + initialDelayMs + k * everyMs`) and for `dayStep`
 * schedules (every n-th day counted from the first slot at or after the anchor).
 */
function resolveAnchor(schedule: NormalizedSchedule, anchor: number | undefined, fallback: number): number {
  return anchor ?? schedule.limits.startAt ?? fallback;
}

/** The last instant a slot may not equal or precede: `after`, raised so slots are >= startAt. */
function lowerBound(schedule: NormalizedSchedule, after: number): number {
  const { startAt } = schedule.limits;
  return startAt === null ? after : Math.max(after, startAt - 1);
}

function withinStop(schedule: NormalizedSchedule, slot: number | null): number | null {
  const { stopAt } = schedule.limits;
  return slot === null || (stopAt !== null && slot > stopAt) ? null : slot;
}

function intervalNext(schedule: IntervalSchedule, bound: number, anchor: number): number {
  const first = anchor + schedule.initialDelayMs;
  if (first > bound) return first;
  return first + (Math.floor((bound - first) / schedule.everyMs) + 1) * schedule.everyMs;
}

/** First slot of a `dayStep` schedule (daily expression) and the local day it falls on. */
function dayStepOrigin(schedule: CronSchedule, anchor: number): number | null {
  const first = cronNext(schedule.expression, schedule.timezone, anchor - 1);
  return first === null ? null : localDayNumber(first, schedule.timezone);
}

function cronNextSlot(schedule: CronSchedule, bound: number, anchor: number): number | null {
  const { expression, timezone, dayStep } = schedule;
  if (!dayStep || dayStep <= 1) return cronNext(expression, timezone, bound);
  const originDay = dayStepOrigin(schedule, anchor);
  if (originDay === null) return null;
  let ref = Math.max(bound, anchor - 1);
  for (let i = 0; i <= 2 * dayStep + 2; i++) {
    const slot = cronNext(expression, timezone, ref);
    if (slot === null) return null;
    if (mod(localDayNumber(slot, timezone) - originDay, dayStep) === 0) return slot;
    ref = slot;
  }
  return null;
}

/**
 * The first slot strictly after `after` (epoch ms) that is at or after `startAt` and at or
 * before `stopAt` (both bounds inclusive), or null when no slot remains.
 *
 * - Interval: slots are `anchor + initialDelayMs + k * everyMs` for k = 0, 1, 2, ... Pure
 *   millisecond arithmetic: daylight saving time changes nothing.
 * - Cron: croner's next match in the schedule's time zone (see `compileCron` for DST rules). A
 *   `dayStep` schedule keeps only every n-th local day counted from the day of the first match at
 *   or after the anchor.
 *
 * `anchor` is when the schedule started (give the same value on every call for a task); default
 * `startAt`, else `after`. `repeats` is not applied here: the caller counts runs (`hasRunsLeft`).
 */
export function nextRun(schedule: NormalizedSchedule, after: number, anchor?: number): number | null {
  const bound = lowerBound(schedule, after);
  const origin = resolveAnchor(schedule, anchor, after);
  const slot =
    schedule.kind === 'interval' ? intervalNext(schedule, bound, origin) : cronNextSlot(schedule, bound, origin);
  return withinStop(schedule, slot);
}

/**
 * The slots in `(from, to]`, oldest first, at most `cap` of them (startAt/stopAt applied).
 * `anchor` defaults to `startAt`, else `from`.
 */
export function slotsBetween(
  schedule: NormalizedSchedule,
  from: number,
  to: number,
  cap: number,
  anchor?: number,
): number[] {
  const origin = resolveAnchor(schedule, anchor, from);
  const slots: number[] = [];
  let cursor = from;
  while (slots.length < cap) {
    const slot = nextRun(schedule, cursor, origin);
    if (slot === null || slot > to) break;
    slots.push(slot);
    cursor = slot;
  }
  return slots;
}

/**
 * The latest slot at or before `at` (and at or before `stopAt`) that is also at or after
 * `startAt`, or null. Useful to coalesce a backlog into one run. `anchor` defaults to `startAt`,
 * else `at`: pass the task's anchor for interval and `dayStep` schedules.
 */
export function lastSlotAtOrBefore(schedule: NormalizedSchedule, at: number, anchor?: number): number | null {
  const { startAt, stopAt } = schedule.limits;
  const limit = stopAt === null ? at : Math.min(at, stopAt);
  const origin = resolveAnchor(schedule, anchor, limit);
  let slot: number | null;
  if (schedule.kind === 'interval') {
    const first = origin + schedule.initialDelayMs;
    slot = limit < first ? null : first + Math.floor((limit - first) / schedule.everyMs) * schedule.everyMs;
  } else {
    slot = cronLastAtOrBefore(schedule.expression, schedule.timezone, limit);
    if (slot !== null && schedule.dayStep && schedule.dayStep > 1) {
      const originDay = dayStepOrigin(schedule, origin);
      for (let i = 0; slot !== null && i <= 2 * schedule.dayStep + 2; i++) {
        if (originDay === null || slot < origin) return null;
        if (mod(localDayNumber(slot, schedule.timezone) - originDay, schedule.dayStep) === 0) break;
        slot = cronLastAtOrBefore(schedule.expression, schedule.timezone, slot - 1);
      }
    }
  }
  return slot === null || (startAt !== null && slot < startAt) ? null : slot;
}

/**
 * When the task should run next, after its run for slot `scheduledFor` (S) ended at `now` (T).
 * Returns null when the schedule has no slot left (stopAt passed).
 *
 * - `preventDrift: false`: the next run is counted from the end of the run, so no slot is ever
 *   missed and `misfire` does not apply. Interval: `max(T + everyMs, startAt)`; cron: the first
 *   slot after T.
 * - `preventDrift: true`: let S' be the first slot after S. If S' > T it is returned (on
 *   schedule). Otherwise slots in (S, T] were missed (a run overran or workers were down):
 *   - `'run-once'` (default): the latest missed slot (<= T, so due at once): exactly one
 *     catch-up run, after which the schedule continues on time.
 *   - `'skip'`: the first slot after T; missed slots never run.
 *   - `'run-all'`: S', so every missed slot runs in turn (each one due at once); when more than
 *     `RUN_ALL_CAP` (100) slots were missed, the latest missed slot only, as `'run-once'`.
 *
 * `anchor` defaults to `startAt`, else the grid through S (for intervals `S - initialDelayMs`).
 */
export function nextAfterMisfire(
  schedule: NormalizedSchedule,
  scheduledFor: number,
  now: number,
  anchor?: number,
): number | null {
  const origin =
    anchor ??
    schedule.limits.startAt ??
    (schedule.kind === 'interval' ? scheduledFor - schedule.initialDelayMs : scheduledFor);
  if (!schedule.limits.preventDrift) {
    if (schedule.kind === 'cron') return nextRun(schedule, now, origin);
    return withinStop(schedule, Math.max(now + schedule.everyMs, schedule.limits.startAt ?? -Infinity));
  }
  const following = nextRun(schedule, scheduledFor, origin);
  if (following === null || following > now) return following;
  switch (schedule.limits.misfire) {
    case 'skip':
      return nextRun(schedule, now, origin);
    case 'run-all':
      if (slotsBetween(schedule, scheduledFor, now, RUN_ALL_CAP + 1, origin).length <= RUN_ALL_CAP) return following;
      return lastSlotAtOrBefore(schedule, now, origin) ?? following;
    default:
      return lastSlotAtOrBefore(schedule, now, origin) ?? following;
  }
}

/** True while the schedule allows another run after `timesRun` runs (`repeats` 0 = forever). */
export function hasRunsLeft(schedule: NormalizedSchedule, timesRun: number): boolean {
  return schedule.limits.repeats === 0 || timesRun < schedule.limits.repeats;
}
