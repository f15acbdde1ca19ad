import { InvalidScheduleError } from '../errors.js';
import { compileCron, cronErrorDetail } from './cron.js';
import { tryParseDuration } from './duration.js';
import { parseLimits, resolveTimeZone } from './limits.js';
import type { CronSchedule, NormalizedSchedule, ScheduleSpec } from './schedule.types.js';
import {
  clockWords,
  cronWords,
  dailyWords,
  durationWords,
  intervalWords,
  monthdaysWords,
  weekdaysWords,
} from './wording.js';

/** The keys that say "when"; a spec has exactly one of them. */
export const SCHEDULE_KIND_KEYS = ['every', 'cron', 'interval', 'weekdays', 'monthdays'] as const;

const KIND_LIST = 'every, cron, interval, weekdays, monthdays';
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const EVERY_UNITS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};
const EVERY_PATTERN = /^(?:(\d+)\s*)?([a-z]+)$/;
const AT_PATTERN = /^(\d{1,2}):(\d{2})$/;

type Spec = Record<string, unknown>;
type Clock = { hour: number; minute: number };
type Shape =
  | { kind: 'interval'; everyMs: number; label: string }
  | { kind: 'cron'; expression: string; dayStep?: number; label: string };

const isObject = (value: unknown): value is Spec =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * True when `value` is an object carrying exactly one of the schedule keys `every`, `cron`,
 * `interval`, `weekdays`, `monthdays` (keys whose value is `undefined` count as absent). It does
 * not validate the values: `parseSchedule` does.
 */
export function isScheduleSpec(value: unknown): value is ScheduleSpec {
  return isObject(value) && SCHEDULE_KIND_KEYS.filter((key) => value[key] !== undefined).length === 1;
}

/**
 * Validate a schedule spec and normalise it to plain JSON.
 *
 * - `every: '<n> <unit>'` (seconds, minutes, hours, days, weeks; `'minute'` = 1 minute) is a
 *   fixed interval, except that `days`/`weeks` with `at` run at that local time of day: every
 *   day (`'day'`, `'1 day'`), or on every n-th local calendar day (`'2 days'`, `'week'` = 7),
 *   counted from the day of the first slot at or after the anchor (see `nextRun`).
 * - `every: 'monday'` ... `'sunday'` runs weekly at `at` (default `'00:00'`).
 * - `interval` (ms or a duration string) with optional `initialDelay` is a fixed interval.
 * - `weekdays: [1..7]` (1 = Monday) and `monthdays: [1..31]` run at `at` / `timeOfDay`
 *   (default 00:00). A month without the given day (31 in April, 30 in February, 29 in February
 *   of a non-leap year) has no run for that day: it is skipped, not moved.
 * - `cron`: 5 fields, or 6 with seconds first, read in `timezone`.
 *
 * Calendar forms become `{ kind: 'cron' }` schedules evaluated by croner in the time zone
 * (`timezone`, else `defaults.timezone`, else `'UTC'`), so daylight saving time is handled by one
 * engine. Keys other than the schedule's own (timeout, retries, group, ...) are ignored.
 *
 * @throws InvalidScheduleError naming the job, the field and the value at fault.
 */
export function parseSchedule(
  job: string,
  spec: ScheduleSpec,
  defaults: { timezone?: string } = {},
): NormalizedSchedule {
  if (!isObject(spec)) {
    throw new InvalidScheduleError(job, 'schedule', spec, `must be an object with one of ${KIND_LIST}`);
  }
  const kinds = SCHEDULE_KIND_KEYS.filter((key) => spec[key] !== undefined);
  if (kinds.length === 0) {
    throw new InvalidScheduleError(job, 'schedule', spec, `has no schedule: give one of ${KIND_LIST}`);
  }
  if (kinds.length > 1) {
    const [first, second] = kinds as [string, string];
    throw new InvalidScheduleError(
      job,
      second,
      spec[second],
      `cannot be combined with ${first}: give exactly one of ${KIND_LIST}`,
    );
  }
  const kind = kinds[0];
  const timezone = resolveTimeZone(job, spec.timezone, defaults.timezone);
  const shape = parseShape(job, kind, spec, timezone);
  const limits = parseLimits(job, spec, timezone, shape.kind === 'cron');

  if (shape.kind === 'interval') {
    const initialDelayMs = spec.initialDelay === undefined ? 0 : tryParseDuration(spec.initialDelay as string | number);
    if (initialDelayMs === null) {
      throw new InvalidScheduleError(
        job,
        'initialDelay',
        spec.initialDelay,
        "is not a duration >= 0 (milliseconds or e.g. '30s', '5m')",
      );
    }
    const label = initialDelayMs > 0 ? `${shape.label}, first after ${durationWords(initialDelayMs)}` : shape.label;
    return { kind: 'interval', everyMs: shape.everyMs, initialDelayMs, limits, label };
  }
  if (spec.initialDelay !== undefined) {
    throw new InvalidScheduleError(job, 'initialDelay', spec.initialDelay, 'only applies to interval schedules');
  }
  const schedule: CronSchedule = { kind: 'cron', expression: shape.expression, timezone, limits, label: shape.label };
  if (shape.dayStep !== undefined && shape.dayStep > 1) schedule.dayStep = shape.dayStep;
  return schedule;
}

function parseShape(job: string, kind: string, spec: Spec, timezone: string): Shape {
  switch (kind) {
    case 'every':
      return parseEvery(job, spec, timezone);
    case 'interval': {
      rejectClock(job, spec, 'interval');
      const everyMs = tryParseDuration(spec.interval as string | number);
      if (everyMs === null || everyMs <= 0) {
        throw new InvalidScheduleError(
          job,
          'interval',
          spec.interval,
          "must be a positive duration (milliseconds or e.g. '90s', '5m')",
        );
      }
      return { kind: 'interval', everyMs, label: intervalWords(everyMs) };
    }
    case 'weekdays': {
      const days = dayList(job, 'weekdays', spec.weekdays, 7, '(1 = Monday ... 7 = Sunday)');
      const clock = parseClock(job, spec) ?? { hour: 0, minute: 0 };
      const dows = [...new Set(days.map((d) => d % 7))].sort((a, b) => a - b);
      const label = weekdaysWords(days, clockWords(clock.hour, clock.minute), timezone);
      return { kind: 'cron', expression: `${clock.minute} ${clock.hour} * * ${dows.join(',')}`, label };
    }
    case 'monthdays': {
      const days = dayList(job, 'monthdays', spec.monthdays, 31, '(1 ... 31)');
      const clock = parseClock(job, spec) ?? { hour: 0, minute: 0 };
      const label = monthdaysWords(days, clockWords(clock.hour, clock.minute), timezone);
      return { kind: 'cron', expression: `${clock.minute} ${clock.hour} ${days.join(',')} * *`, label };
    }
    default: {
      rejectClock(job, spec, 'cron');
      return parseCron(job, spec.cron, timezone);
    }
  }
}

function parseEvery(job: string, spec: Spec, timezone: string): Shape {
  const raw = spec.every;
  const match = typeof raw === 'string' ? EVERY_PATTERN.exec(raw.trim().toLowerCase().replace(/\s+/g, ' ')) : null;
  if (!match) {
    throw new InvalidScheduleError(
      job,
      'every',
      raw,
      "is not '<n> <unit>' (e.g. '10 minutes', '2 hours') or a weekday name",
    );
  }
  const count = match[1] === undefined ? 1 : Number(match[1]);
  const word = match[2];
  const weekday = WEEKDAYS.findIndex((name) => word === name || word === `${name}s`);
  if (weekday >= 0) {
    if (match[1] !== undefined) {
      throw new InvalidScheduleError(
        job,
        'every',
        raw,
        "cannot count weekdays: write every: 'monday' (or use weekdays: [...])",
      );
    }
    const clock = parseClock(job, spec) ?? { hour: 0, minute: 0 };
    const label = weekdaysWords([weekday + 1], clockWords(clock.hour, clock.minute), timezone);
    return { kind: 'cron', expression: `${clock.minute} ${clock.hour} * * ${(weekday + 1) % 7}`, label };
  }
  const unit = word.endsWith('s') ? word.slice(0, -1) : word;
  const unitMs = EVERY_UNITS[unit];
  if (unitMs === undefined) {
    throw new InvalidScheduleError(
      job,
      'every',
      raw,
      `has an unknown unit "${word}" (use seconds, minutes, hours, days, weeks or a weekday name)`,
    );
  }
  if (count <= 0) {
    throw new InvalidScheduleError(job, 'every', raw, 'must count at least 1 unit');
  }
  const clock = parseClock(job, spec);
  if (clock) {
    if (unit !== 'day' && unit !== 'week') {
      const value = spec.at !== undefined ? spec.at : spec.timeOfDay;
      const field = spec.at !== undefined ? 'at' : 'timeOfDay';
      throw new InvalidScheduleError(
        job,
        field,
        value,
        "can only be used with every: '<n> days', '<n> weeks' or a weekday name",
      );
    }
    const dayStep = count * (unit === 'week' ? 7 : 1);
    const label = dailyWords(dayStep, clockWords(clock.hour, clock.minute), timezone);
    return { kind: 'cron', expression: `${clock.minute} ${clock.hour} * * *`, dayStep, label };
  }
  const everyMs = count * unitMs;
  return { kind: 'interval', everyMs, label: intervalWords(everyMs) };
}

function parseCron(job: string, raw: unknown, timezone: string): Shape {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new InvalidScheduleError(
      job,
      'cron',
      raw,
      'must be a cron expression string (5 fields, or 6 with seconds first)',
    );
  }
  const expression = raw.trim().replace(/\s+/g, ' ');
  let next: Date | null;
  try {
    next = compileCron(expression, timezone).nextRun(new Date(Date.UTC(2000, 0, 1)));
  } catch (error) {
    throw new InvalidScheduleError(
      job,
      'cron',
      raw,
      `is not a valid cron expression (${cronErrorDetail(expression, error)})`,
    );
  }
  if (next === null) {
    throw new InvalidScheduleError(job, 'cron', raw, 'never matches any date');
  }
  return { kind: 'cron', expression, label: cronWords(expression, timezone) };
}

function dayList(job: string, field: string, raw: unknown, max: number, hint: string): number[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidScheduleError(job, field, raw, `must be a non-empty array of days ${hint}`);
  }
  for (const day of raw) {
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > max) {
      throw new InvalidScheduleError(job, field, day, `is not a day between 1 and ${max} ${hint}`);
    }
  }
  return [...new Set(raw as number[])].sort((a, b) => a - b);
}

function rejectClock(job: string, spec: Spec, kind: string): void {
  for (const field of ['at', 'timeOfDay']) {
    if (spec[field] !== undefined) {
      throw new InvalidScheduleError(job, field, spec[field], `does not apply to a ${kind} schedule`);
    }
  }
}

function parseClock(job: string, spec: Spec): Clock | null {
  if (spec.at !== undefined && spec.timeOfDay !== undefined) {
    throw new InvalidScheduleError(job, 'timeOfDay', spec.timeOfDay, 'cannot be combined with at: give one of them');
  }
  if (spec.at !== undefined) {
    const match = typeof spec.at === 'string' ? AT_PATTERN.exec(spec.at.trim()) : null;
    const clock = match ? { hour: Number(match[1]), minute: Number(match[2]) } : null;
    if (!clock || clock.hour > 23 || clock.minute > 59) {
      throw new InvalidScheduleError(job, 'at', spec.at, "is not a 24-hour time 'HH:MM' (00:00 to 23:59)");
    }
    return clock;
  }
  if (spec.timeOfDay !== undefined) {
    const value = spec.timeOfDay;
    const ok =
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((n) => typeof n === 'number' && Number.isInteger(n)) &&
      value[0] >= 0 &&
      value[0] <= 23 &&
      value[1] >= 0 &&
      value[1] <= 59;
    if (!ok)
      throw new InvalidScheduleError(job, 'timeOfDay', value, 'is not [hour, minute] with hour 0-23 and minute 0-59');
    return { hour: value[0] as number, minute: value[1] as number };
  }
  return null;
}
