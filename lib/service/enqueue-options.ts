import type { EntityManager } from 'typeorm';
import { InvalidEnqueueOptionError, InvalidJobOptionError } from '../errors.js';
import { validateGroup, validatePriority, validateRetries, validateTimeout } from '../registry/job-options.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { toUserId } from '../registry/user-id.js';
import { tryParseDuration } from '../schedule/duration.js';
import type { NewTask } from '../storage/engine.js';
import type { Duration } from '../types.js';
import { taskUuid } from './task-uuid.js';

/** Options of `SchedulerService.enqueue`. */
export interface EnqueueOptions {
  /**
   * Run as this user (impersonation): `ctx.user` is resolved from it. A string or an integer;
   * stored as text, so the resolver and `ctx.userId` always see a string (`42` gives `'42'`).
   * Set by server code only.
   */
  runAs?: string | number;
  /** Who queued it, for the record (defaults to `runAs`). */
  queuedBy?: string | number;
  /** Not before this instant. */
  startAt?: Date | number | string;
  /** Not before now + this delay (`'5m'`, ms). Exclusive with `startAt`. */
  delay?: Duration;
  /** Not claimed after this instant: the task ends EXPIRED. */
  stopAt?: Date | number | string;
  /**
   * Idempotency key: enqueuing the same uuid again for the same job, payload (compared as JSON,
   * key order aside) and `runAs` returns the existing task, whose other options stay as first
   * queued. The uuid reused for another job, payload or user throws `IdempotencyConflictError`.
   */
  uuid?: string;
  priority?: number;
  group?: string;
  retries?: number;
  timeout?: Duration;
  /**
   * A deduplication window: while a task of this job queued with the same `key` is inside its
   * window (`for`, counted from the enqueue that created it), another enqueue with the key does
   * not create a task. `onConflict` says what it does instead:
   * - `'keep'` (default): return the existing task, unchanged;
   * - `'replace'`: give the existing task this enqueue's payload, start time (`startAt`/`delay`,
   *   else now) and `stopAt` while it is still QUEUED (a debounce), else keep it;
   * - `'extend'`: keep the task and restart its window from now.
   *
   * Decided by a unique index on (job, key), so enqueues racing across the cluster agree. Once the
   * window has passed, the next enqueue with the key creates a new task (docs/flow-control.md).
   */
  unique?: UniqueOptions;
  /**
   * Ids of existing tasks this one waits for: it is WAITING (never claimed) until every one of
   * them has COMPLETED, then QUEUED. Dependencies must exist when it is enqueued (so there can be
   * no cycle); an unknown id throws `UnknownDependencyError` (docs/flow-control.md).
   */
  dependsOn?: readonly number[];
  /**
   * What a dependency that ends FAILED, TIMEOUT, STOPPED, EXPIRED or CANCELLED does to this task:
   * `'cancel'` (default) ends it CANCELLED (and its own dependents after it); `'wait'` leaves it
   * WAITING, to be stopped, or queued once the dependency is retried and completes.
   */
  onDependencyFailure?: 'cancel' | 'wait';
  /** Enqueue inside this TypeORM transaction: a rollback also removes the task. */
  manager?: EntityManager;
}

/** What `enqueue` returns: the task's id and uuid. */
export interface EnqueuedTask {
  id: number;
  uuid: string;
  /**
   * Set when `unique` found another task of the job holding the key inside its window (`id` and
   * `uuid` are that task's): `'kept'` unchanged, `'replaced'` with this payload and start time,
   * `'extended'` its window restarted.
   */
  deduplicated?: 'kept' | 'replaced' | 'extended';
}

/** The deduplication window of `EnqueueOptions.unique`. */
export interface UniqueOptions {
  /** The deduplication key (1-255 characters), unique per job while its window lasts. */
  key: string;
  /** Length of the window (`'10m'`, ms), counted from the enqueue that created the task. */
  for: Duration;
  /** What an enqueue with the key does inside the window. Default `'keep'`. */
  onConflict?: 'keep' | 'replace' | 'extend';
}

const ON_CONFLICT = ['keep', 'replace', 'extend'] as const;

/** The checked `unique` option: key, window in ms and conflict rule; throws naming the field. */
export function dedupOf(
  job: string,
  unique: unknown,
): { key: string; windowMs: number; onConflict: 'keep' | 'replace' | 'extend' } {
  if (unique === null || typeof unique !== 'object' || Array.isArray(unique)) {
    throw new InvalidEnqueueOptionError(
      job,
      'unique',
      unique,
      "must be an object such as { key: 'user-42', for: '10m' }",
    );
  }
  const { key, for: window, onConflict = 'keep', ...rest } = unique as Partial<UniqueOptions>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined)
    throw new InvalidEnqueueOptionError(
      job,
      `unique.${extra}`,
      (rest as Record<string, unknown>)[extra],
      'is not a unique option (key, for, onConflict)',
    );
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new InvalidEnqueueOptionError(job, 'unique.key', key, 'must be a string of 1-255 characters');
  }
  const windowMs = window === undefined ? null : tryParseDuration(window);
  if (windowMs === null || windowMs <= 0 || windowMs > MAX_INSTANT) {
    throw new InvalidEnqueueOptionError(job, 'unique.for', window, "must be a positive duration (ms or e.g. '10m')");
  }
  if (!ON_CONFLICT.includes(onConflict))
    throw new InvalidEnqueueOptionError(job, 'unique.onConflict', onConflict, "must be 'keep', 'replace' or 'extend'");
  return { key, windowMs, onConflict };
}

const UUID_PATTERN = /^[\w.:@-]{1,64}$/;

/** The latest instant a JavaScript Date can hold (year 275760): later ones are no dates at all. */
const MAX_INSTANT = 8.64e15;

function instant(job: string, field: string, value: Date | number | string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_INSTANT)
    throw new InvalidEnqueueOptionError(job, field, value, 'is not a valid date');
  return Math.round(ms);
}

/** A user id as stored (a string), or null; the shared rule is in `toUserId`. */
function userId(job: string, field: string, value: string | number | undefined): string | null {
  return value === undefined || value === null ? null : toUserId(job, field, value);
}

/** Validate enqueue options against the job's defaults and build the row to insert. */
export function buildNewTask(
  job: RegisteredJob,
  payload: string | null,
  options: EnqueueOptions,
  now: number | null,
): NewTask {
  try {
    return build(job, payload, options, now);
  } catch (error) {
    // The shared option validators speak of job options; here the caller passed enqueue options.
    if (error instanceof InvalidJobOptionError)
      throw new InvalidEnqueueOptionError(error.job, error.field, error.value, error.reason);
    throw error;
  }
}

function build(job: RegisteredJob, payload: string | null, options: EnqueueOptions, now: number | null): NewTask {
  const name = job.name;
  if (options.startAt !== undefined && options.delay !== undefined) {
    throw new InvalidEnqueueOptionError(name, 'delay', options.delay, 'cannot be combined with startAt');
  }
  let nextRunTime: number | null = now;
  if (options.startAt !== undefined) nextRunTime = instant(name, 'startAt', options.startAt);
  if (options.delay !== undefined) {
    const delay = tryParseDuration(options.delay);
    if (delay === null)
      throw new InvalidEnqueueOptionError(name, 'delay', options.delay, "is not a duration (ms or e.g. '5m')");
    nextRunTime = (now ?? Date.now()) + delay;
    if (nextRunTime > MAX_INSTANT)
      throw new InvalidEnqueueOptionError(
        name,
        'delay',
        options.delay,
        'ends after the last date a JavaScript Date can hold',
      );
  }
  const stopTime = options.stopAt === undefined ? null : instant(name, 'stopAt', options.stopAt);
  if (stopTime !== null && stopTime <= (nextRunTime ?? Date.now())) {
    throw new InvalidEnqueueOptionError(name, 'stopAt', options.stopAt, 'is not after the start time');
  }
  if (options.uuid !== undefined && (typeof options.uuid !== 'string' || !UUID_PATTERN.test(options.uuid))) {
    throw new InvalidEnqueueOptionError(
      name,
      'uuid',
      options.uuid,
      'must be 1-64 characters of letters, digits and . _ : @ -',
    );
  }
  const runAs = userId(name, 'runAs', options.runAs);
  return {
    uuid: options.uuid ?? taskUuid(),
    jobName: name,
    payload,
    group: options.group === undefined ? job.group : validateGroup(name, options.group),
    priority: options.priority === undefined ? job.priority : validatePriority(name, options.priority),
    nextRunTime,
    stopTime,
    timeoutMs: options.timeout === undefined ? null : validateTimeout(name, options.timeout),
    retries: options.retries === undefined ? job.retries : validateRetries(name, options.retries),
    runAs,
    queuedBy: userId(name, 'queuedBy', options.queuedBy) ?? runAs,
    schedule: null,
    repeats: 0,
  };
}

/** The checked `dependsOn` and `onDependencyFailure` options, or null when the task waits for nothing. */
export function dependenciesOf(
  job: string,
  options: EnqueueOptions,
): { dependsOn: number[]; onDependencyFailure: 'cancel' | 'wait' } | null {
  const { dependsOn, onDependencyFailure = 'cancel' } = options;
  if (onDependencyFailure !== 'cancel' && onDependencyFailure !== 'wait') {
    throw new InvalidEnqueueOptionError(job, 'onDependencyFailure', onDependencyFailure, "must be 'cancel' or 'wait'");
  }
  if (dependsOn === undefined) return null;
  if (!Array.isArray(dependsOn))
    throw new InvalidEnqueueOptionError(job, 'dependsOn', dependsOn, 'must be an array of task ids');
  for (const id of dependsOn as unknown[]) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
      throw new InvalidEnqueueOptionError(job, 'dependsOn', id, 'must hold task ids (positive integers)');
  }
  if (options.unique !== undefined)
    throw new InvalidEnqueueOptionError(job, 'unique', options.unique, 'cannot be combined with dependsOn');
  return { dependsOn: [...new Set(dependsOn as number[])], onDependencyFailure };
}
