import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidJobOptionError, InvalidScheduleError } from '../errors.js';
import {
  validateConcurrency,
  validateDeadLetter,
  validateGroup,
  validateJobName,
  validatePriority,
  validateRateLimit,
  validateRetries,
  validateSensitive,
  validateTimeout,
} from '../registry/job-options.js';
import type { JobRegistry } from '../registry/job-registry.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { parseSchedule } from '../schedule/parse-schedule.js';
import type { NormalizedSchedule, ScheduleSpec } from '../schedule/schedule.types.js';
import { SchedulerIniFileError } from './config.errors.js';
import { SENSITIVE_HINT, readIniJobSection, type IniJobSection } from './ini-job.js';
import { readIni, type IniDocument, type IniProblem } from './ini-reader.js';
import { iniKeyOfField } from './ini-values.js';

/** Read and parse a scheduler.ini file; an unreadable file is an error, a bad section is not. */
export async function readIniFile(path: string): Promise<IniDocument> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SchedulerIniFileError(path, (error as Error).message);
  }
  return readIni(text, path);
}

export interface IniLoadResult {
  /** Valid sections as registered jobs, ready for `JobRegistry.add`. */
  jobs: RegisteredJob[];
  /** Sections left out, with file, section and line. */
  problems: IniProblem[];
}

export interface IniLoadOptions {
  /** Default time zone of calendar schedules (the module's `timezone`). */
  timezone: string;
}

/**
 * Turn the sections of a scheduler.ini document into recurring jobs. Each section is its own
 * job, named by its label, that runs the handler of the registered job its `call` names with
 * the section's keyword arguments as payload; so one handler can be scheduled many times.
 * Only jobs declared in code can be called: nothing is ever loaded from a path in the file.
 * A section with a problem is reported and left out; the others load.
 */
export function iniJobs(doc: IniDocument, registry: JobRegistry, options: IniLoadOptions): IniLoadResult {
  const jobs: RegisteredJob[] = [];
  const problems = [...doc.problems];
  for (const section of doc.sections) {
    const { job, problems: found } = readIniJobSection(section, doc.file);
    problems.push(...found);
    if (!job) continue;
    const checked = checkSection(job, registry, options);
    if ('problem' in checked) problems.push(checked.problem);
    else jobs.push(checked.job);
  }
  return { jobs, problems };
}

type Checked = { job: RegisteredJob } | { problem: IniProblem };

function checkSection(section: IniJobSection, registry: JobRegistry, options: IniLoadOptions): Checked {
  const label = section.label;
  const at = (line: number, message: string): Checked => ({
    problem: { file: section.file, section: label, line, message },
  });
  try {
    validateJobName(label, section.file);
  } catch {
    return at(section.line, 'the section name is the job name: at most 200 characters');
  }
  const existing = registry.get(label);
  if (existing)
    return at(section.line, `"${label}" is already a job (${existing.declaredAt}): give the section its own name`);
  if (section.call === null) return at(section.line, 'has no "call": name the registered job whose handler runs');
  const callLine = section.lines.get('call') ?? section.lines.get('callback') ?? section.line;
  const target = resolveCall(section.call, registry);
  if (typeof target === 'string') return at(callLine, target);
  if (section.spec === null)
    return at(section.line, 'has no schedule: give every (or frequency), cron, interval, weekdays or monthdays');

  let schedule: NormalizedSchedule;
  try {
    schedule = parseSchedule(label, section.spec as unknown as ScheduleSpec, { timezone: options.timezone });
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    const key = iniKeyOfField(error.field).find((k) => section.lines.has(k));
    return at(
      key ? section.lines.get(key)! : section.line,
      `${key ?? 'schedule'} ${JSON.stringify(error.value)} ${error.reason}`,
    );
  }
  try {
    return { job: toRegisteredJob(section, target, schedule, registry) };
  } catch (error) {
    if (!(error instanceof InvalidJobOptionError)) throw error;
    const gap = error.reason.startsWith(':') ? '' : ' ';
    return at(
      section.lines.get(error.field) ?? section.line,
      `${error.field} ${JSON.stringify(error.value)}${gap}${error.reason}`,
    );
  }
}

/** The job a `call` names, or why it cannot be called. */
export function resolveCall(call: string, registry: JobRegistry): RegisteredJob | string {
  const target = registry.get(call);
  if (target && !target.ini) return target;
  if (target)
    return `call "${call}" names another scheduler.ini section: call a job declared in code (${target.ini!.call})`;
  const names = registry
    .all()
    .filter((job) => !job.ini)
    .map((job) => job.name)
    .sort();
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ') || 'none';
  return `call "${call}" names no registered job (registered: ${shown})`;
}

/** The registry entry of a checked section: the target's handler and defaults, the section's own values. */
function toRegisteredJob(
  section: IniJobSection,
  target: RegisteredJob,
  schedule: NormalizedSchedule,
  registry: JobRegistry,
): RegisteredJob {
  const { label, options } = section;
  if (options.description === '')
    throw new InvalidJobOptionError(label, 'description', '', 'is empty: leave the key out');
  const written = (key: string) => section.values.get(key) ?? '';
  return {
    ...target, // what the section cannot set (e.g. isolation, batch) is the target's
    name: label,
    kind: 'scheduled',
    declaredAt: `${section.file}:${section.line} [${label}]`,
    handler: target.handler,
    timeoutMs: options.timeout === undefined ? target.timeoutMs : validateTimeout(label, options.timeout),
    timeoutFrom: options.timeout === undefined ? target.timeoutFrom : 'job',
    retries: options.retries === undefined ? target.retries : validateRetries(label, options.retries),
    group: options.group === undefined ? target.group : validateGroup(label, options.group),
    priority: options.priority === undefined ? target.priority : validatePriority(label, options.priority),
    description: options.description ?? target.description,
    active: options.active ?? true,
    maxRunning: options.concurrency === undefined ? target.maxRunning : validateConcurrency(label, options.concurrency),
    rateLimit:
      options.rateLimit === undefined
        ? target.rateLimit
        : asIniKey('rate_limit', written('rate_limit'), () => validateRateLimit(label, options.rateLimit)),
    deadLetter:
      options.deadLetter === undefined ? target.deadLetter : iniDeadLetter(label, options.deadLetter, registry),
    // The called job's sensitive fields stay redacted; the section adds its own.
    sensitive:
      options.sensitive === undefined
        ? target.sensitive
        : [
            ...new Set([
              ...target.sensitive,
              ...asIniKey(
                'sensitive',
                written('sensitive'),
                () => validateSensitive(label, options.sensitive),
                SENSITIVE_HINT,
              ),
            ]),
          ],
    schedule,
    scheduleSpec: section.spec as unknown as ScheduleSpec,
    payload: section.kwargs,
    runAs: section.runAs ?? null,
    ini: { call: target.name, file: section.file, line: section.line },
  };
}

/**
 * Run a decorator option's validation, reporting its error under the ini key with the value as
 * written: `rate_limit "0/1m": limit 0 is not a positive integer ...`.
 */
function asIniKey<T>(key: string, written: string, validate: () => T, reason?: string): T {
  try {
    return validate();
  } catch (error) {
    if (!(error instanceof InvalidJobOptionError)) throw error;
    const part = error.field.split('.')[1];
    throw new InvalidJobOptionError(
      error.job,
      key,
      written,
      reason ?? (part ? `: ${part} ${JSON.stringify(error.value)} ${error.reason}` : error.reason),
    );
  }
}

/** `dead_letter`: a job other than the section's own, registered in code (or an earlier file). */
function iniDeadLetter(label: string, name: string, registry: JobRegistry): string {
  asIniKey('dead_letter', name, () => validateDeadLetter(label, name));
  if (!registry.get(name)) {
    const names = registry
      .all()
      .filter((job) => !job.ini)
      .map((job) => job.name)
      .sort();
    const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ') || 'none';
    throw new InvalidJobOptionError(label, 'dead_letter', name, `names no registered job (registered: ${shown})`);
  }
  return name;
}

/** Load `path` into `registry` at start-up; returns the problems (sections left out). */
export async function loadConfigFile(
  path: string,
  registry: JobRegistry,
  options: IniLoadOptions,
): Promise<IniProblem[]> {
  const result = iniJobs(await readIniFile(path), registry, options);
  for (const job of result.jobs) registry.add(job);
  return result.problems;
}
