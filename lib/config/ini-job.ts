import type { JsonValue } from '../types.js';
import type { IniProblem, IniSection } from './ini-reader.js';
import {
  KWARG_PREFIX,
  OPTION_KEYS,
  SCHEDULE_KEYS,
  parseIniBoolean,
  parseIniInteger,
  parseIniList,
  parseIniNumberList,
  parseIniRateLimit,
  parseIniValue,
} from './ini-values.js';

/** Job options a section may set; absent ones come from the job it calls. */
export interface IniJobOptions {
  timeout?: string;
  retries?: number;
  group?: string;
  priority?: number;
  description?: string;
  active?: boolean;
  /** `concurrency`: the most tasks of this section's job running at once. */
  concurrency?: number;
  /** `rate_limit = 100/1m`: the limit and the window as written (validated by the loader). */
  rateLimit?: { limit: number; per: string };
  /** `dead_letter`: the job that receives this section's dead letters. */
  deadLetter?: string;
  /** `sensitive = password, card.number`: payload fields redacted besides the called job's. */
  sensitive?: string[];
}

/**
 * A `scheduler.ini` section read into the fields of a recurring job, before it is checked
 * against the application's jobs (see `ini-loader.ts`).
 */
export interface IniJobSection {
  /** The section name: the job's own name. */
  label: string;
  file: string;
  /** Line of the `[label]` header. */
  line: number;
  /** The registered job whose handler runs (`call`, or its alias `callback`); null when absent. */
  call: string | null;
  /** The schedule fields (named as in `@ScheduledTask`), or null when the section has none. */
  spec: Record<string, unknown> | null;
  options: IniJobOptions;
  /** `run_as`: undefined when not given. */
  runAs?: string;
  /** Keyword arguments: the payload of every run. */
  kwargs: { [key: string]: JsonValue };
  /** Line of each key, for reporting. */
  lines: Map<string, number>;
  /** Each key's value as written, for reporting. */
  values: Map<string, string>;
}

/** Read one section. Problems name the line of the key at fault; with any, `job` is null. */
export function readIniJobSection(
  section: IniSection,
  file: string,
): { job: IniJobSection | null; problems: IniProblem[] } {
  const problems: IniProblem[] = [];
  const report = (line: number, message: string) => problems.push({ file, section: section.name, line, message });
  const job: IniJobSection = {
    label: section.name,
    file,
    line: section.line,
    call: null,
    spec: null,
    options: {},
    kwargs: {},
    lines: new Map(),
    values: new Map(),
  };
  const spec: Record<string, unknown> = {};

  for (const { key, value, line } of section.entries) {
    job.lines.set(key, line);
    job.values.set(key, value);
    if (key.startsWith(KWARG_PREFIX) && key.length > KWARG_PREFIX.length) {
      job.kwargs[key.slice(KWARG_PREFIX.length)] = parseIniValue(value);
      continue;
    }
    if (key in SCHEDULE_KEYS) {
      const field = SCHEDULE_KEYS[key as keyof typeof SCHEDULE_KEYS];
      if (spec[field] !== undefined) {
        report(
          line,
          `"${key}" repeats ${field === 'every' ? '"every" (frequency is its alias)' : `"${field}"`}: give it once`,
        );
        continue;
      }
      const parsed = scheduleValue(field, value);
      if (parsed === undefined)
        report(line, `${key} ${JSON.stringify(value)} ${SCHEDULE_VALUE_HINTS[field] ?? 'is not valid'}`);
      else spec[field] = parsed;
      continue;
    }
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      job.kwargs[key] = parseIniValue(value);
      continue;
    }
    const problem = readOption(job, key, value);
    if (problem) report(line, problem);
  }
  if (Object.keys(spec).length > 0) job.spec = spec;
  return { job: problems.length === 0 ? job : null, problems };
}

const SCHEDULE_VALUE_HINTS: Record<string, string> = {
  weekdays: 'is not a list of days (1 = Monday ... 7 = Sunday), e.g. 1,3,5',
  monthdays: 'is not a list of days of the month (1 ... 31), e.g. 1,15',
  repeats: 'is not a whole number (0 = forever)',
  preventDrift: 'is not yes or no',
};

/** A schedule field's value as `parseSchedule` takes it, or undefined when it cannot be. */
function scheduleValue(field: string, value: string): unknown {
  switch (field) {
    case 'weekdays':
    case 'monthdays':
      return parseIniNumberList(value) ?? undefined;
    case 'repeats':
      return parseIniInteger(value) ?? undefined;
    case 'preventDrift':
      return parseIniBoolean(value) ?? undefined;
    case 'startAt':
    case 'stopAt':
      // Epoch milliseconds or an ISO 8601 text (a wall time in the section's time zone).
      return /^\d{10,}$/.test(value) ? Number(value) : value;
    default:
      return value;
  }
}

export const SENSITIVE_HINT =
  'is not a comma-separated list of payload keys or dotted paths, e.g. password, card.number';

function readOption(job: IniJobSection, key: string, value: string): string | null {
  switch (key) {
    case 'call':
    case 'callback': {
      if (job.call !== null) return '"call" and "callback" name the same thing: give one';
      if (value === '' || /\s/.test(value)) return `${key} ${JSON.stringify(value)} must name one registered job`;
      job.call = value;
      return null;
    }
    case 'active': {
      const active = parseIniBoolean(value);
      if (active === null) return `active ${JSON.stringify(value)} is not yes or no`;
      job.options.active = active;
      return null;
    }
    case 'retries':
    case 'priority':
    case 'concurrency': {
      const n = parseIniInteger(value);
      if (n === null) return `${key} ${JSON.stringify(value)} is not a whole number`;
      job.options[key] = n;
      return null;
    }
    case 'rate_limit': {
      const parts = parseIniRateLimit(value);
      const limit = parts && parseIniInteger(parts.limit);
      if (!parts || limit === null)
        return `rate_limit ${JSON.stringify(value)} is not a limit per window, e.g. 100/1m or 100 per 1 minute (the most starts, then a duration)`;
      job.options.rateLimit = { limit, per: parts.per };
      return null;
    }
    case 'dead_letter':
      if (value === '' || /\s/.test(value)) return `dead_letter ${JSON.stringify(value)} must name one registered job`;
      job.options.deadLetter = value;
      return null;
    case 'sensitive': {
      const paths = parseIniList(value);
      if (paths === null) return `sensitive ${JSON.stringify(value)} ${SENSITIVE_HINT}`;
      job.options.sensitive = paths;
      return null;
    }
    case 'run_as':
      if (value === '') return 'run_as is empty: give a user id or leave the key out';
      job.runAs = value;
      return null;
    default:
      job.options[key as 'timeout' | 'group' | 'description'] = value;
      return null;
  }
}
