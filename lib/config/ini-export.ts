import type { JobDefinition } from '../entities/index.js';
import type { JobRegistry } from '../registry/job-registry.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import type { JsonValue } from '../types.js';
import { writeIni, type IniSectionOut } from './ini-reader.js';
import {
  KWARG_PREFIX,
  SCHEDULE_KEYS,
  formatDuration,
  formatIniBoolean,
  formatIniRateLimit,
  formatIniValue,
  isReservedKey,
  isWritableKey,
} from './ini-values.js';

export interface IniExportInput {
  /** The stored definitions (with the admin's toggles and schedules). */
  definitions: JobDefinition[];
  /** The application's jobs: they know which handler a scheduler.ini section calls and its user. */
  registry: JobRegistry;
  /** The module's `defaultTimeout`, left out of sections that use it. */
  defaultTimeoutMs: number;
  /** Which definitions to write. Default `'all'`. */
  source?: 'all' | 'code' | 'ini';
  /** Written in the header. */
  exportedAt?: Date;
}

/**
 * The current recurring job definitions as a scheduler.ini file: schedule as stored (the admin's
 * when rescheduled), the admin's active toggle, and every option that differs from what leaving
 * it out gives. `kronos import-ini` of the result changes nothing.
 */
export function exportIni(input: IniExportInput): string {
  const sections: IniSectionOut[] = [];
  const skipped: string[] = [];
  const wanted = input.source ?? 'all';
  const rows = [...input.definitions].sort((a, b) => a.name.localeCompare(b.name));
  for (const row of rows) {
    if (row.kind !== 'scheduled' || (wanted !== 'all' && row.source !== wanted)) continue;
    const job = input.registry.get(row.name);
    if (row.missing || !job) {
      skipped.push(`[${row.name}] is stored but not declared by this application (missing): not exported`);
      continue;
    }
    sections.push(section(row, job, input));
  }
  const header = [
    `scheduler.ini exported by kronos export-ini${input.exportedAt ? ` on ${input.exportedAt.toISOString()}` : ''}.`,
    'Each section is a recurring job named by its label; "call" names the job whose handler runs,',
    'keys other than the schedule and job options are keyword arguments of its payload.',
    ...skipped,
  ];
  return writeIni(sections, header);
}

function section(row: JobDefinition, job: RegisteredJob, input: IniExportInput): IniSectionOut {
  const entries: [string, string][] = [['call', job.ini?.call ?? row.name]];
  entries.push(...scheduleEntries(row));
  entries.push(['active', formatIniBoolean(row.active)]);
  // Options are written when they differ from what leaving them out gives: the called job's
  // values for a scheduler.ini section, the module's defaults for a job declared in code.
  const target = job.ini ? input.registry.get(job.ini.call) : undefined;
  const base = target ?? {
    description: null,
    timeoutMs: input.defaultTimeoutMs,
    retries: 0,
    group: 'main',
    priority: 0,
    maxRunning: null,
    rateLimit: null,
    deadLetter: null,
    sensitive: [] as string[],
  };
  if (row.description !== null && row.description !== base.description) entries.push(['description', row.description]);
  if (row.timeoutMs !== null && row.timeoutMs !== base.timeoutMs)
    entries.push(['timeout', formatDuration(row.timeoutMs)]);
  if (row.retries !== base.retries) entries.push(['retries', String(row.retries)]);
  if (row.group !== base.group) entries.push(['group', row.group]);
  if (row.priority !== base.priority) entries.push(['priority', String(row.priority)]);
  // Flow control and redaction are not stored: they come from the code and the configFile.
  if (job.maxRunning !== base.maxRunning && job.maxRunning !== null)
    entries.push(['concurrency', String(job.maxRunning)]);
  const rate = job.rateLimit;
  const baseRate = base.rateLimit;
  if (rate && (rate.limit !== baseRate?.limit || rate.perMs !== baseRate.perMs))
    entries.push(['rate_limit', formatIniRateLimit(rate.limit, rate.perMs)]);
  if (job.deadLetter !== base.deadLetter && job.deadLetter !== null) entries.push(['dead_letter', job.deadLetter]);
  // A section's sensitive fields add to the called job's: only its own are written.
  const comment: string[] = [];
  const sensitive = job.sensitive.filter((path) => !base.sensitive.includes(path));
  const listable = sensitive.filter((path) => !path.includes(',') && path === path.trim());
  if (listable.length > 0) entries.push(['sensitive', listable.join(', ')]);
  for (const path of sensitive.filter((p) => !listable.includes(p)))
    comment.push(`sensitive field ${JSON.stringify(path)} cannot be written in a comma-separated list: not exported`);
  if (job.runAs !== null) entries.push(['run_as', job.runAs]);
  const kwargs = (row.kwargs ? JSON.parse(row.kwargs) : {}) as { [key: string]: JsonValue };
  for (const [key, value] of Object.entries(kwargs)) {
    const name = isReservedKey(key) || key.startsWith(KWARG_PREFIX) ? `${KWARG_PREFIX}${key}` : key;
    if (isWritableKey(name)) entries.push([name, formatIniValue(value)]);
    else comment.push(`keyword argument ${JSON.stringify(key)} cannot be written as an ini key: not exported`);
  }
  if (!job.ini) comment.unshift(`declared in code (${job.declaredAt})`);
  return { name: row.name, comment, entries };
}

const INI_KEY_OF: Record<string, string> = Object.fromEntries(
  Object.entries(SCHEDULE_KEYS)
    .filter(([key]) => key !== 'frequency')
    .map(([key, field]) => [field, key]),
);

/** The schedule as stored (the spec as written, or the admin's), as ini keys. */
function scheduleEntries(row: JobDefinition): [string, string][] {
  if (!row.schedule)
    return row.scheduleNormalized ? fromNormalized(JSON.parse(row.scheduleNormalized) as NormalizedSchedule) : [];
  const spec = JSON.parse(row.schedule) as Record<string, unknown>;
  const entries: [string, string][] = [];
  for (const [field, key] of Object.entries(INI_KEY_OF)) {
    const value =
      field === 'at' && spec.at === undefined && Array.isArray(spec.timeOfDay)
        ? clock(spec.timeOfDay as number[])
        : spec[field];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) entries.push([key, value.join(',')]);
    else if (typeof value === 'boolean') entries.push([key, formatIniBoolean(value)]);
    else if (typeof value === 'string' || typeof value === 'number') entries.push([key, String(value)]);
    else entries.push([key, JSON.stringify(value)]);
  }
  return entries;
}

const clock = ([hour, minute]: number[]) => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;

/** A schedule stored without its spec: written from its normalised form. */
function fromNormalized(schedule: NormalizedSchedule): [string, string][] {
  const entries: [string, string][] =
    schedule.kind === 'interval'
      ? [
          ['interval', formatDuration(schedule.everyMs)],
          ...(schedule.initialDelayMs
            ? [['initial_delay', formatDuration(schedule.initialDelayMs)] as [string, string]]
            : []),
        ]
      : [
          ['cron', schedule.expression],
          ['timezone', schedule.timezone],
        ];
  const { startAt, stopAt, repeats, misfire } = schedule.limits;
  if (startAt !== null) entries.push(['start_at', new Date(startAt).toISOString()]);
  if (stopAt !== null) entries.push(['stop_at', new Date(stopAt).toISOString()]);
  if (repeats > 0) entries.push(['repeats', String(repeats)]);
  if (misfire !== 'run-once') entries.push(['misfire', misfire]);
  entries.push(['prevent_drift', formatIniBoolean(schedule.limits.preventDrift)]);
  return entries;
}
