import type { JobDefinition } from '../entities/index.js';
import { InvalidJobOptionError, InvalidScheduleError } from '../errors.js';
import { validateTimeout } from '../registry/job-options.js';
import type { JobRegistry } from '../registry/job-registry.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { describeSchedule } from '../schedule/describe-schedule.js';
import { parseSchedule } from '../schedule/parse-schedule.js';
import type { NormalizedSchedule, ScheduleSpec } from '../schedule/schedule.types.js';
import type { SchedulerService } from '../service/scheduler.service.js';
import { readIniJobSection, type IniJobSection } from './ini-job.js';
import type { IniDocument, IniProblem } from './ini-reader.js';
import { tryParseDuration } from '../schedule/duration.js';
import { SCHEDULE_KEYS, formatDuration, formatIniRateLimit, iniKeyOfField } from './ini-values.js';

/** One change `kronos import-ini` makes, through the same calls an admin would use. */
export type ImportAction =
  | { kind: 'activate' | 'deactivate'; job: string; line: number }
  | { kind: 'reschedule'; job: string; line: number; spec: ScheduleSpec; from: string; to: string }
  | { kind: 'reset-schedule'; job: string; line: number; from: string; to: string };

export interface ImportPlan {
  actions: ImportAction[];
  /** Sections that change nothing. */
  unchanged: string[];
  /** Differences an import cannot apply (they belong to the code or the configFile), per line. */
  notes: IniProblem[];
  /** Sections left out, with file, section and line. */
  problems: IniProblem[];
}

export interface ImportContext {
  registry: JobRegistry;
  definitions: JobDefinition[];
  /** The module's `timezone` (default of calendar schedules). */
  timezone: string;
  /** The module's `configFile`, named in messages. */
  configFile: string | null;
}

/**
 * What importing `doc` would change. An import applies what an admin owns: the active toggle
 * and the schedule (as `reschedule`, or `resetSchedule` when the file gives the code's own
 * schedule back). Which jobs exist, and what they call with which arguments, belongs to the code
 * and the `configFile`: a section for a job the application does not have is a problem, and a
 * different option is a note. Nothing is written here.
 */
export function planIniImport(doc: IniDocument, context: ImportContext): ImportPlan {
  const plan: ImportPlan = { actions: [], unchanged: [], notes: [], problems: [...doc.problems] };
  const rows = new Map(context.definitions.map((row) => [row.name, row]));
  for (const raw of doc.sections) {
    const { job: section, problems } = readIniJobSection(raw, doc.file);
    plan.problems.push(...problems);
    if (!section) continue;
    const at = (line: number, message: string): IniProblem => ({
      file: doc.file,
      section: section.label,
      line,
      message,
    });
    const job = context.registry.get(section.label);
    const row = rows.get(section.label);
    if (!job || !row) {
      const where = context.configFile
        ? `add the section to the configFile ${context.configFile}`
        : 'add it to a scheduler.ini file named by the module option configFile';
      plan.problems.push(
        at(
          section.line,
          `"${section.label}" is not a job of this application: ${where} (an import changes existing jobs only)`,
        ),
      );
      continue;
    }
    const expectedCall = job.ini?.call ?? job.name;
    if (section.call !== null && section.call !== expectedCall) {
      const line = section.lines.get('call') ?? section.lines.get('callback') ?? section.line;
      plan.problems.push(
        at(line, `call "${section.call}" differs from ${owner(job)}, which calls "${expectedCall}": change it there`),
      );
      continue;
    }
    const before = plan.actions.length;
    const scheduleAction = planSchedule(section, job, row, context, plan, at);
    if (scheduleAction === 'problem') continue;
    if (scheduleAction) plan.actions.push(scheduleAction);
    if (section.options.active !== undefined && section.options.active !== row.active) {
      plan.actions.push({
        kind: section.options.active ? 'activate' : 'deactivate',
        job: job.name,
        line: section.lines.get('active')!,
      });
    }
    plan.notes.push(...optionNotes(section, job, row, at, context.registry));
    if (plan.actions.length === before) plan.unchanged.push(section.label);
  }
  return plan;
}

type At = (line: number, message: string) => IniProblem;

function planSchedule(
  section: IniJobSection,
  job: RegisteredJob,
  row: JobDefinition,
  context: ImportContext,
  plan: ImportPlan,
  at: At,
): ImportAction | null | 'problem' {
  if (section.spec === null) return null;
  if (!job.schedule) {
    plan.problems.push(at(section.line, `"${job.name}" is a queued job (@Job): it has no schedule to import`));
    return 'problem';
  }
  let schedule: NormalizedSchedule;
  try {
    schedule = parseSchedule(job.name, section.spec as unknown as ScheduleSpec, { timezone: context.timezone });
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    const key = iniKeyOfField(error.field).find((k) => section.lines.has(k));
    plan.problems.push(
      at(
        key ? section.lines.get(key)! : section.line,
        `${key ?? 'schedule'} ${JSON.stringify(error.value)} ${error.reason}`,
      ),
    );
    return 'problem';
  }
  const current = row.scheduleNormalized ? (JSON.parse(row.scheduleNormalized) as NormalizedSchedule) : null;
  if (current && sameSchedule(current, schedule)) return null;
  const from = current
    ? describeSchedule(current, row.schedule ? (JSON.parse(row.schedule) as ScheduleSpec) : undefined)
    : 'none';
  const to = describeSchedule(schedule, section.spec as unknown as ScheduleSpec);
  const line = firstScheduleLine(section);
  if (row.scheduleSetBy === 'admin' && sameSchedule(job.schedule, schedule))
    return { kind: 'reset-schedule', job: job.name, line, from, to };
  return { kind: 'reschedule', job: job.name, line, spec: section.spec as unknown as ScheduleSpec, from, to };
}

/** Equal slots, whatever the wording (`label` only records how the spec was written). */
function sameSchedule(a: NormalizedSchedule, b: NormalizedSchedule): boolean {
  const { label: _a, ...left } = a;
  const { label: _b, ...right } = b;
  return canonical(left) === canonical(right);
}

function firstScheduleLine(section: IniJobSection): number {
  const lines = [...section.lines.entries()].filter(([key]) => key in SCHEDULE_KEYS).map(([, line]) => line);
  return lines.length ? Math.min(...lines) : section.line;
}

/** Options the file gives differently from the code or the configFile: reported, never applied. */
function optionNotes(
  section: IniJobSection,
  job: RegisteredJob,
  row: JobDefinition,
  at: At,
  registry: JobRegistry,
): IniProblem[] {
  const notes: IniProblem[] = [];
  const note = (key: string, given: string, current: string) =>
    notes.push(
      at(
        section.lines.get(key) ?? section.line,
        `${key} ${given} differs from ${owner(job)} (${current}): not applied; change it there`,
      ),
    );
  const { options } = section;
  if (options.timeout !== undefined) {
    let ms: number | null = null;
    try {
      ms = validateTimeout(job.name, options.timeout);
    } catch (error) {
      if (!(error instanceof InvalidJobOptionError)) throw error;
    }
    if (ms !== row.timeoutMs)
      note('timeout', JSON.stringify(options.timeout), row.timeoutMs === null ? 'none' : formatDuration(row.timeoutMs));
  }
  if (options.retries !== undefined && options.retries !== row.retries)
    note('retries', String(options.retries), String(row.retries));
  if (options.group !== undefined && options.group !== row.group)
    note('group', JSON.stringify(options.group), JSON.stringify(row.group));
  if (options.priority !== undefined && options.priority !== row.priority)
    note('priority', String(options.priority), String(row.priority));
  if (options.description !== undefined && options.description !== row.description)
    note('description', JSON.stringify(options.description), JSON.stringify(row.description));
  // Flow control and redaction are compared with the running job (they are not stored).
  if (options.concurrency !== undefined && options.concurrency !== job.maxRunning)
    note('concurrency', String(options.concurrency), String(job.maxRunning ?? 'none'));
  if (options.rateLimit !== undefined) {
    const perMs = tryParseDuration(options.rateLimit.per);
    if (options.rateLimit.limit !== job.rateLimit?.limit || perMs !== job.rateLimit.perMs) {
      note(
        'rate_limit',
        JSON.stringify(section.values.get('rate_limit')),
        job.rateLimit ? formatIniRateLimit(job.rateLimit.limit, job.rateLimit.perMs) : 'none',
      );
    }
  }
  if (options.deadLetter !== undefined && options.deadLetter !== job.deadLetter)
    note('dead_letter', JSON.stringify(options.deadLetter), JSON.stringify(job.deadLetter));
  if (options.sensitive !== undefined) {
    // A section's fields add to those of the job it calls.
    const inherited = job.ini ? (registry.get(job.ini.call)?.sensitive ?? []) : [];
    const expected = new Set([...inherited, ...options.sensitive]);
    const actual = new Set(job.sensitive);
    if (expected.size !== actual.size || [...actual].some((path) => !expected.has(path))) {
      note(
        'sensitive',
        JSON.stringify(section.values.get('sensitive')),
        job.sensitive.length ? job.sensitive.join(', ') : 'none',
      );
    }
  }
  if (section.runAs !== undefined && section.runAs !== job.runAs)
    note('run_as', JSON.stringify(section.runAs), JSON.stringify(job.runAs));
  // An ini job's keyword arguments are all of its payload; a code job's only when the file names some.
  const given = Object.keys(section.kwargs).length > 0 || job.ini ? canonical(section.kwargs) : null;
  const stored = canonical(row.kwargs ? JSON.parse(row.kwargs) : {});
  if (given !== null && given !== stored) {
    const lines = [...section.lines.entries()]
      .filter(([key]) => key in section.kwargs || key.startsWith('kwargs.'))
      .map(([, l]) => l);
    const line = lines.length ? Math.min(...lines) : section.line;
    notes.push(
      at(line, `keyword arguments ${given} differ from ${owner(job)} (${stored}): not applied; change them there`),
    );
  }
  return notes;
}

function owner(job: RegisteredJob): string {
  return job.ini ? `the configFile (${job.ini.file}:${job.ini.line})` : `the code (${job.declaredAt})`;
}

/** JSON with sorted keys, so equal values compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Apply a plan through `SchedulerService`, as an admin would (the choices are kept across deploys). */
export async function applyIniImport(plan: ImportPlan, scheduler: SchedulerService): Promise<void> {
  for (const action of plan.actions) {
    switch (action.kind) {
      case 'activate':
        await scheduler.activate(action.job);
        break;
      case 'deactivate':
        await scheduler.deactivate(action.job);
        break;
      case 'reschedule':
        await scheduler.reschedule(action.job, action.spec);
        break;
      case 'reset-schedule':
        await scheduler.resetSchedule(action.job);
        break;
    }
  }
}
