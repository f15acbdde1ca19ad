import type { JsonValue } from '../types.js';

/**
 * Keys a `scheduler.ini` section reserves, with the name of the matching schedule field (the
 * same names `@ScheduledTask` takes). Every other key is a keyword argument of the payload;
 * `kwargs.<name>` passes a keyword argument whose name is reserved (`kwargs.group = x`).
 */
export const SCHEDULE_KEYS = {
  every: 'every',
  frequency: 'every',
  at: 'at',
  cron: 'cron',
  interval: 'interval',
  initial_delay: 'initialDelay',
  weekdays: 'weekdays',
  monthdays: 'monthdays',
  timezone: 'timezone',
  start_at: 'startAt',
  stop_at: 'stopAt',
  repeats: 'repeats',
  misfire: 'misfire',
  prevent_drift: 'preventDrift',
} as const;

export const OPTION_KEYS = [
  'call',
  'callback',
  'active',
  'description',
  'timeout',
  'retries',
  'group',
  'priority',
  'run_as',
  'concurrency',
  'rate_limit',
  'dead_letter',
  'sensitive',
] as const;

export const KWARG_PREFIX = 'kwargs.';

export const isReservedKey = (key: string): boolean =>
  key in SCHEDULE_KEYS || (OPTION_KEYS as readonly string[]).includes(key);

/** The ini key that sets a schedule field, for pointing at the line of a schedule error. */
export function iniKeyOfField(field: string): string[] {
  if (field === 'timeOfDay') return ['at'];
  return Object.entries(SCHEDULE_KEYS)
    .filter(([, name]) => name === field)
    .map(([key]) => key);
}

const TRUE = ['yes', 'true', 'on', '1'];
const FALSE = ['no', 'false', 'off', '0'];

/** `yes`/`no` (also true/false, on/off, 1/0); null when it is neither. */
export function parseIniBoolean(value: string): boolean | null {
  const word = value.trim().toLowerCase();
  if (TRUE.includes(word)) return true;
  if (FALSE.includes(word)) return false;
  return null;
}

export const formatIniBoolean = (value: boolean): string => (value ? 'yes' : 'no');

/**
 * A keyword argument's value: what reads as JSON (numbers, true/false, null, "quoted",
 * [arrays], {objects}) is that JSON value; anything else is the text itself.
 */
export function parseIniValue(value: string): JsonValue {
  const text = value.trim();
  if (text === '') return '';
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return value;
  }
}

/** The text `parseIniValue` reads back as `value`. */
export function formatIniValue(value: JsonValue): string {
  if (typeof value === 'string') {
    const safe = !value.includes('\n') && value === value.trim() && parseIniValue(value) === value;
    return safe ? value : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** A whole number, or null. */
export function parseIniInteger(value: string): number | null {
  return /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : null;
}

/**
 * `rate_limit = 100/1m` (or `100 per 1m`, `100 per 1 minute`): the most starts, then the window
 * as a duration. The parts as written, or null when the text has no such shape.
 */
export function parseIniRateLimit(value: string): { limit: string; per: string } | null {
  const match = /^\s*(\S+?)\s*(?:\/|\s+per\s+)\s*(\S.*?)\s*$/i.exec(value);
  return match ? { limit: match[1], per: match[2] } : null;
}

export const formatIniRateLimit = (limit: number, perMs: number): string => `${limit}/${formatDuration(perMs)}`;

/** `password, card.number` (commas, spaces around them ignored) as a list, or null when empty. */
export function parseIniList(value: string): string[] | null {
  const items = value.split(',').map((item) => item.trim());
  return items.every((item) => item !== '') ? items : null;
}

/** `1,3,5` (commas and/or spaces) as numbers, or null when an item is not a whole number. */
export function parseIniNumberList(value: string): number[] | null {
  const items = value.split(/[\s,]+/).filter(Boolean);
  const numbers = items.map(parseIniInteger);
  return items.length > 0 && numbers.every((n) => n !== null) ? numbers : null;
}

const UNITS: [suffix: string, ms: number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Milliseconds as the shortest exact duration text: `300000` -> `5m`, `1500` -> `1500ms`. */
export function formatDuration(ms: number): string {
  for (const [suffix, size] of UNITS) if (ms > 0 && ms % size === 0) return `${ms / size}${suffix}`;
  return `${ms}ms`;
}

/** Keys that `readIni` reads back unchanged. */
export const isWritableKey = (key: string): boolean => /^[^\s=:;#[][^=:]*$/.test(key) && key === key.trim();
