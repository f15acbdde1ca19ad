import { InvalidJobOptionError } from '../errors.js';
import type { Duration } from '../types.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i;

/**
 * Parse a duration (`1500`, `'500ms'`, `'30s'`, `'2m'`, `'1 hour'`) into milliseconds.
 * Returns null for an invalid value so callers can raise an error naming their own field.
 */
export function tryParseDuration(value: Duration): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  if (typeof value !== 'string') return null;
  const match = PATTERN.exec(value);
  if (!match) return null;
  const unit = (match[2] ?? 'ms').toLowerCase();
  const factor = UNIT_MS[unit];
  if (factor === undefined) return null;
  return Math.round(Number(match[1]) * factor);
}

/** Parse a duration option of a job, throwing an error that names the job and field. */
export function parseDuration(value: Duration, job: string, field: string): number {
  const ms = tryParseDuration(value);
  if (ms === null) {
    throw new InvalidJobOptionError(
      job,
      field,
      value,
      "is not a duration (use milliseconds or e.g. '30s', '2m', '1h')",
    );
  }
  return ms;
}
