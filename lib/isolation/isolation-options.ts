import type { LogLevel } from '@nestjs/common';
import { isAbsolute, resolve } from 'node:path';
import { InvalidJobOptionError, InvalidSchedulerOptionError } from '../errors.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { tryParseDuration } from '../schedule/duration.js';
import type { Duration } from '../types.js';

/** Where a job's handler runs: in the worker's process, or in a child process of the isolation pool. */
export type IsolationMode = 'in-process' | 'process';

/**
 * Process isolation (TurboGears' forked method): handlers run in a pool of child processes that
 * boot the application once and are reused, so a timeout can kill a runaway handler outright and
 * a handler that crashes its process does not take the worker with it.
 */
export interface ProcessIsolationOptions {
  /**
   * `'process'` (default): every job runs in a child process unless it says `isolation:
   * 'in-process'`. `'in-process'`: only jobs declared with `isolation: 'process'` do.
   */
  mode?: IsolationMode;
  /**
   * The compiled module file a child process boots, and the name of the module class it exports
   * (default: the default export, else `AppModule`). A relative path is resolved from the
   * working directory. Typically the application's own module: `{ path: import.meta.filename }`.
   */
  appModule: { path: string; export?: string };
  /** Child processes at most; each runs one task at a time. Default: the worker's concurrency. */
  poolSize?: number;
  /**
   * How long an aborted handler (timeout, stop, shutdown) may take to honour `ctx.signal` before
   * its process is killed with SIGKILL and replaced. Default `'5s'`; 0 kills at once.
   */
  killGrace?: Duration;
  /** How long a child process may take to boot the application. Default `'60s'`. */
  startTimeout?: Duration;
  /**
   * Log levels of the Nest logger in child processes (their own `main.ts` does not run there), or
   * `false` for none. Default `['log', 'error', 'warn']`.
   */
  logLevels?: LogLevel[] | false;
  /** Node.js options of the child processes (e.g. `--max-old-space-size=512`). Default: this process's, without `--inspect`. */
  execArgv?: string[];
  /**
   * The script child processes start with. Default: Kronos' own `isolation/child-main.js`. Only
   * needed when Kronos itself runs from TypeScript sources (e.g. under ts-jest): point it at a
   * compiled copy.
   */
  entry?: string;
}

/** Process isolation after defaults and validation (internal). */
export interface ResolvedIsolation {
  mode: IsolationMode;
  appModule: { path: string; export: string | null };
  /** null: the worker's concurrency. */
  poolSize: number | null;
  killGraceMs: number;
  startTimeoutMs: number;
  logLevels: LogLevel[] | false;
  execArgv: string[] | null;
  entry: string | null;
}

const MODES: readonly IsolationMode[] = ['in-process', 'process'];
const LOG_LEVELS: readonly LogLevel[] = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'];

function ms(field: string, value: Duration | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  const parsed = tryParseDuration(value);
  if (parsed === null || parsed < 0 || (!allowZero && parsed === 0)) {
    throw new InvalidSchedulerOptionError(
      field,
      value,
      `must be a ${allowZero ? 'non-negative' : 'positive'} duration (ms or e.g. '5s')`,
    );
  }
  return parsed;
}

/** Validate the module's `isolation` option once, at start-up. */
export function resolveIsolation(options: ProcessIsolationOptions | undefined): ResolvedIsolation | null {
  if (options === undefined) return null;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidSchedulerOptionError(
      'isolation',
      options,
      "must be an object such as { appModule: { path: 'dist/app.module.js' } }",
    );
  }
  const mode = options.mode ?? 'process';
  if (!MODES.includes(mode))
    throw new InvalidSchedulerOptionError('isolation.mode', mode, "must be 'process' or 'in-process'");
  const app = options.appModule as { path?: unknown; export?: unknown } | undefined;
  if (!app || typeof app.path !== 'string' || app.path === '') {
    throw new InvalidSchedulerOptionError(
      'isolation.appModule',
      app,
      'must name the compiled module file child processes boot: { path, export? }',
    );
  }
  if (app.export !== undefined && (typeof app.export !== 'string' || app.export === '')) {
    throw new InvalidSchedulerOptionError(
      'isolation.appModule.export',
      app.export,
      'must be the name of the exported module class',
    );
  }
  const poolSize = options.poolSize;
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize <= 0)) {
    throw new InvalidSchedulerOptionError('isolation.poolSize', poolSize, 'must be a positive integer');
  }
  if (
    options.execArgv !== undefined &&
    (!Array.isArray(options.execArgv) || options.execArgv.some((a) => typeof a !== 'string'))
  ) {
    throw new InvalidSchedulerOptionError('isolation.execArgv', options.execArgv, 'must be an array of strings');
  }
  const levels = options.logLevels;
  if (
    levels !== undefined &&
    levels !== false &&
    (!Array.isArray(levels) || levels.some((l) => !LOG_LEVELS.includes(l)))
  ) {
    throw new InvalidSchedulerOptionError(
      'isolation.logLevels',
      levels,
      `must be false or an array of ${LOG_LEVELS.join(', ')}`,
    );
  }
  if (options.entry !== undefined && (typeof options.entry !== 'string' || options.entry === '')) {
    throw new InvalidSchedulerOptionError('isolation.entry', options.entry, 'must be the path of a script');
  }
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(path));
  return {
    mode,
    appModule: { path: absolute(app.path), export: app.export ?? null },
    poolSize: poolSize ?? null,
    killGraceMs: ms('isolation.killGrace', options.killGrace, 5000, true),
    startTimeoutMs: ms('isolation.startTimeout', options.startTimeout, 60_000, false),
    logLevels: levels === undefined ? ['log', 'error', 'warn'] : levels === false ? false : [...levels],
    execArgv: options.execArgv ? [...options.execArgv] : null,
    entry: options.entry ? absolute(options.entry) : null,
  };
}

/** Validate a job's `isolation` option. */
export function validateIsolation(job: string, value: unknown): IsolationMode {
  if (!MODES.includes(value as IsolationMode))
    throw new InvalidJobOptionError(job, 'isolation', value, "is not 'process' or 'in-process'");
  return value as IsolationMode;
}

/** Where a job's handlers run: its own choice, else the module's mode, else in-process. */
export function isolationOf(job: Pick<RegisteredJob, 'isolation'>, isolation: ResolvedIsolation | null): IsolationMode {
  return job.isolation ?? isolation?.mode ?? 'in-process';
}

/** A job that asks for process isolation needs the module to say how child processes boot. */
export function assertIsolationConfigured(jobs: RegisteredJob[], isolation: ResolvedIsolation | null): void {
  if (isolation) return;
  const job = jobs.find((j) => j.isolation === 'process');
  if (job) {
    throw new InvalidJobOptionError(
      job.name,
      'isolation',
      'process',
      `needs SchedulerModule.forRoot({ isolation: { appModule: { path } } }) to tell child processes what to boot (declared on ${job.declaredAt})`,
    );
  }
}
