import { Cron } from 'croner';

/**
 * croner options used for every schedule, so parsing and the next-run math agree:
 * - `mode: '5-or-6-parts'`: classic 5-field cron or 6 fields with seconds first.
 * - `domAndDow: false`: when both day-of-month and day-of-week are restricted, a day matching
 *   either runs (classic cron OR semantics).
 * - `fixedTimeRule: 'no-wildcard'`: as in Vixie cron, a job whose second, minute and hour fields
 *   have no wildcard or step (`30 2 * * *`, `0 2,14 * * *`) is a fixed-time job: a time inside a
 *   spring-forward gap runs once at the first valid instant after the gap, and a time repeated by
 *   a fall-back runs once, at its first occurrence. Other jobs (`0 * * * *`, `*\/15 * * * *`)
 *   follow absolute time: times in the gap do not exist, repeated times run on both occurrences.
 */
const CRON_OPTIONS = {
  paused: true,
  mode: '5-or-6-parts',
  domAndDow: false,
  fixedTimeRule: 'no-wildcard',
} as const;

const cache = new Map<string, Cron>();
const CACHE_LIMIT = 500;

/**
 * A paused croner instance for `expression` in `timezone` (cached). Throws croner's own error for
 * an invalid expression.
 */
export function compileCron(expression: string, timezone: string): Cron {
  const key = `${timezone}\u0000${expression}`;
  let cron = cache.get(key);
  if (!cron) {
    cron = new Cron(expression, { ...CRON_OPTIONS, timezone });
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, cron);
  }
  return cron;
}

/** The first slot of the expression strictly after `after` (epoch ms), or null if none. */
export function cronNext(expression: string, timezone: string, after: number): number | null {
  const next = compileCron(expression, timezone).nextRun(new Date(after));
  return next ? next.getTime() : null;
}

/** The last slot of the expression at or before `at` (epoch ms), or null if none. */
export function cronLastAtOrBefore(expression: string, timezone: string, at: number): number | null {
  const [previous] = compileCron(expression, timezone).previousRuns(1, new Date(at + 1));
  return previous ? previous.getTime() : null;
}

const CRON_FIELDS: Record<string, [string, string]> = {
  second: ['second', '0-59'],
  minute: ['minute', '0-59'],
  hour: ['hour', '0-23'],
  day: ['day-of-month', '1-31'],
  month: ['month', '1-12'],
  dayOfWeek: ['day-of-week', '0-7'],
};

/**
 * croner's error message for `expression`, reworded to name the field as the user wrote it
 * (croner reports months counted from 0).
 */
export function cronErrorDetail(expression: string, error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error))
    .replace(/^CronPattern:\s*/, '')
    .replace(/\.$/, '');
  const field = /Invalid value for (\w+)/.exec(message)?.[1];
  const known = field === undefined ? undefined : CRON_FIELDS[field];
  if (!known) return message;
  const parts = expression.split(' ');
  const order = ['minute', 'hour', 'day', 'month', 'dayOfWeek'];
  if (parts.length === 6) order.unshift('second');
  const written = parts[order.indexOf(field!)];
  return `${known[0]} field ${JSON.stringify(written)} is outside ${known[1]}`;
}
