import { InvalidScheduleError } from '../errors.js';
import type { MisfirePolicy, NormalizedLimits, ScheduleLimits } from './schedule.types.js';
import { isValidTimeZone, wallTimeToInstant } from './zoned.js';

const MISFIRE_POLICIES: readonly MisfirePolicy[] = ['run-once', 'skip', 'run-all'];

const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;
const OFFSET_ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Resolve the schedule's time zone: the spec's `timezone`, else `fallback`, else `'UTC'`.
 * Throws InvalidScheduleError (field `timezone`) for a name `Intl` does not know.
 */
export function resolveTimeZone(job: string, value: unknown, fallback: string | undefined): string {
  const timezone = value ?? fallback ?? 'UTC';
  if (!isValidTimeZone(timezone)) {
    throw new InvalidScheduleError(
      job,
      'timezone',
      timezone,
      "is not a known IANA time zone (e.g. 'Europe/Berlin', 'UTC')",
    );
  }
  return timezone;
}

/**
 * Parse an instant given as a Date, epoch milliseconds or an ISO 8601 string. A string without
 * `Z` or an offset (`'2026-05-01'`, `'2026-05-01T06:00'`) is a wall time in `timezone`.
 */
export function parseInstant(job: string, field: string, value: unknown, timezone: string): number {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value);
  if (typeof value === 'string') {
    const text = value.trim();
    const local = LOCAL_ISO.exec(text);
    if (local) {
      const [year, month, day, hour, minute, second] = local.slice(1, 7).map((part) => Number(part ?? 0));
      const fields = { year, month, day, hour, minute, second };
      const ms = Number((local[7] ?? '0').padEnd(3, '0'));
      const check = new Date(Date.UTC(fields.year, fields.month - 1, fields.day));
      const inRange = fields.hour < 24 && fields.minute < 60 && fields.second < 60;
      if (inRange && check.getUTCMonth() === fields.month - 1 && check.getUTCDate() === fields.day) {
        return wallTimeToInstant({ ...fields, ms }, timezone);
      }
    } else if (OFFSET_ISO.test(text)) {
      const parsed = Date.parse(text);
      if (Number.isFinite(parsed)) return parsed;
    }
  }
  throw new InvalidScheduleError(
    job,
    field,
    value,
    'is not a date (use a Date, epoch milliseconds or an ISO 8601 string)',
  );
}

/**
 * Validate and default the limits shared by every kind of schedule. `calendar` selects the
 * default of `preventDrift` (true for calendar and cron schedules, false for intervals).
 */
export function parseLimits(job: string, spec: ScheduleLimits, timezone: string, calendar: boolean): NormalizedLimits {
  const startAt =
    spec.startAt === undefined || spec.startAt === null ? null : parseInstant(job, 'startAt', spec.startAt, timezone);
  const stopAt =
    spec.stopAt === undefined || spec.stopAt === null ? null : parseInstant(job, 'stopAt', spec.stopAt, timezone);
  if (startAt !== null && stopAt !== null && stopAt <= startAt) {
    throw new InvalidScheduleError(job, 'stopAt', spec.stopAt, `is not after startAt ${JSON.stringify(spec.startAt)}`);
  }
  const repeats = spec.repeats ?? 0;
  if (typeof repeats !== 'number' || !Number.isInteger(repeats) || repeats < 0) {
    throw new InvalidScheduleError(job, 'repeats', spec.repeats, 'must be a whole number >= 0 (0 = forever)');
  }
  const preventDrift = spec.preventDrift ?? calendar;
  if (typeof preventDrift !== 'boolean') {
    throw new InvalidScheduleError(job, 'preventDrift', spec.preventDrift, 'must be true or false');
  }
  const misfire = spec.misfire ?? 'run-once';
  if (!MISFIRE_POLICIES.includes(misfire)) {
    throw new InvalidScheduleError(job, 'misfire', spec.misfire, "must be 'run-once', 'skip' or 'run-all'");
  }
  return { startAt, stopAt, repeats, preventDrift, misfire };
}
