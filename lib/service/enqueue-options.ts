import type { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { InvalidEnqueueOptionError, InvalidJobOptionError } from '../errors.js';
import { validateGroup, validatePriority, validateRetries, validateTimeout } from '../registry/job-options.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { toUserId } from '../registry/user-id.js';
import { tryParseDuration } from '../schedule/duration.js';
import type { NewTask } from '../storage/engine.js';
import type { Duration } from '../types.js';

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
  /** Enqueue inside this TypeORM transaction: a rollback also removes the task. */
  manager?: EntityManager;
}

const UUID_PATTERN = /^[\w.:@-]{1,64}$/;

/** The latest instant a JavaScript Date can hold (year 275760): later ones are no dates at all. */
const MAX_INSTANT = 8.64e15;

function instant(job: string, field: string, value: Date | number | string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_INSTANT) throw new InvalidEnqueueOptionError(job, field, value, 'is not a valid date');
  return Math.round(ms);
}

/** A user id as stored (a string), or null; the shared rule is in `toUserId`. */
function userId(job: string, field: string, value: string | number | undefined): string | null {
  return value === undefined || value === null ? null : toUserId(job, field, value);
}

/** Validate enqueue options against the job's defaults and build the row to insert. */
export function buildNewTask(job: RegisteredJob, payload: string | null, options: EnqueueOptions, now: number | null): NewTask {
  try {
    return build(job, payload, options, now);
  } catch (error) {
    // The shared option validators speak of job options; here the caller passed enqueue options.
    if (error instanceof InvalidJobOptionError) throw new InvalidEnqueueOptionError(error.job, error.field, error.value, error.reason);
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
    if (delay === null) throw new InvalidEnqueueOptionError(name, 'delay', options.delay, "is not a duration (ms or e.g. '5m')");
    nextRunTime = (now ?? Date.now()) + delay;
    if (nextRunTime > MAX_INSTANT) throw new InvalidEnqueueOptionError(name, 'delay', options.delay, 'ends after the last date a JavaScript Date can hold');
  }
  const stopTime = options.stopAt === undefined ? null : instant(name, 'stopAt', options.stopAt);
  if (stopTime !== null && stopTime <= (nextRunTime ?? Date.now())) {
    throw new InvalidEnqueueOptionError(name, 'stopAt', options.stopAt, 'is not after the start time');
  }
  if (options.uuid !== undefined && (typeof options.uuid !== 'string' || !UUID_PATTERN.test(options.uuid))) {
    throw new InvalidEnqueueOptionError(name, 'uuid', options.uuid, 'must be 1-64 characters of letters, digits and . _ : @ -');
  }
  const runAs = userId(name, 'runAs', options.runAs);
  return {
    uuid: options.uuid ?? randomUUID(),
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
