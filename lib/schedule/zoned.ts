/**
 * Small time-zone helpers built on `Intl` (no dependency): validating IANA names, reading the
 * local calendar fields of an instant, and turning a local wall time into an instant.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * True when `timezone` is an IANA time zone name this runtime knows (e.g. `'Europe/Berlin'`,
 * `'UTC'`). Offsets such as `'+02:00'` are rejected: they do not follow daylight saving time.
 */
export function isValidTimeZone(timezone: unknown): timezone is string {
  if (typeof timezone !== 'string' || timezone.trim() === '' || /^[+-]?\d/.test(timezone)) return false;
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

/** Local calendar fields of an instant in a time zone (month 1-12). */
export interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The local calendar fields of `instant` (epoch ms) in `timezone`. */
export function localFields(instant: number, timezone: string): LocalFields {
  const out: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year,
    month: out.month,
    day: out.day,
    hour: out.hour % 24,
    minute: out.minute,
    second: out.second,
  };
}

/** Days since 1970-01-01 of the local calendar date of `instant` in `timezone`. */
export function localDayNumber(instant: number, timezone: string): number {
  const f = localFields(instant, timezone);
  return Math.round(Date.UTC(f.year, f.month - 1, f.day) / 86_400_000);
}

function offsetAt(instant: number, timezone: string): number {
  const f = localFields(instant, timezone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant at which the wall clock in `timezone` shows the given local time. A time inside a
 * spring-forward gap maps to the instant the same number of minutes after the gap starts (02:30
 * in a 02:00→03:00 gap becomes 03:30); a time that occurs twice maps to its first occurrence.
 */
export function wallTimeToInstant(fields: LocalFields & { ms?: number }, timezone: string): number {
  const guess = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour,
    fields.minute,
    fields.second,
    fields.ms ?? 0,
  );
  const before = offsetAt(guess - 86_400_000, timezone);
  const after = offsetAt(guess + 86_400_000, timezone);
  // The offset in force before a transition first: it gives the first occurrence of a repeated time.
  const candidates = before === after ? [before] : [before, after];
  for (const offset of candidates) {
    const instant = guess - offset;
    if (offsetAt(instant, timezone) === offset) return instant;
  }
  // In a gap: neither offset round-trips; use the offset in force before the gap.
  return guess - before;
}
