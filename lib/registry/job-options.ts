import { InvalidJobOptionError } from '../errors.js';
import { validateIsolation, type IsolationMode } from '../isolation/isolation-options.js';
import { parseDuration, tryParseDuration } from '../schedule/duration.js';
import type { Duration, JobOptions } from '../types.js';

export const NAME_MAX_LENGTH = 200;
export const GROUP_MAX_LENGTH = 64;
const GROUP_PATTERN = /^[\w.:-]+$/;

/** The per-job settings every task inherits unless overridden at enqueue. */
export interface NormalizedJobOptions {
  timeoutMs: number;
  /** Where `timeoutMs` comes from: the job's own `timeout`, or the module's `defaultTimeout`. */
  timeoutFrom: 'job' | 'module';
  retries: number;
  group: string;
  priority: number;
  description: string | null;
  active: boolean;
  /** Payload fields the dashboard redacts (see `JobOptions.sensitive`). */
  sensitive: string[];
  /** Cluster-wide limit of running tasks (`JobOptions.concurrency`), or null. */
  maxRunning: number | null;
  /** The job's own `isolation`, or null to follow the module's. */
  isolation: IsolationMode | null;
  /** The job that receives this job's dead letters (`JobOptions.deadLetter`), or null. */
  deadLetter: string | null;
  /** At most `limit` starts per fixed window of `perMs` (`JobOptions.rateLimit`), or null. */
  rateLimit: RateLimitSpec | null;
  /** One handler call takes up to `size` tasks, gathered for up to `waitMs` (`JobOptions.batch`), or null. */
  batch: BatchSpec | null;
  /** Delete the task's row when it completes for good, keeping its runs (`JobOptions.removeOnComplete`). */
  removeOnComplete: boolean;
}

/** A validated `batch`: up to `size` tasks per call, gathered for up to `waitMs`. */
export interface BatchSpec {
  size: number;
  waitMs: number;
}

/** A validated `rateLimit`: at most `limit` starts per window of `perMs`. */
export interface RateLimitSpec {
  limit: number;
  perMs: number;
}

export function validateJobName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > NAME_MAX_LENGTH) {
    throw new InvalidJobOptionError(
      String(name),
      'name',
      name,
      `is not a non-empty string of at most ${NAME_MAX_LENGTH} characters (on ${where})`,
    );
  }
  return name;
}

/** The largest value of an `integer` column (retries, timeout_ms) and the longest timer Node.js keeps. */
export const INT_MAX = 2_147_483_647;

export function validateRetries(job: string, value: unknown, field = 'retries'): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > INT_MAX) {
    throw new InvalidJobOptionError(job, field, value, `is not a non-negative integer up to ${INT_MAX}`);
  }
  return value as number;
}

export function validatePriority(job: string, value: unknown, field = 'priority'): number {
  if (!Number.isInteger(value) || Math.abs(value as number) > 1_000_000) {
    throw new InvalidJobOptionError(job, field, value, 'is not an integer between -1000000 and 1000000');
  }
  return value as number;
}

export function validateGroup(job: string, value: unknown, field = 'group'): string {
  if (typeof value !== 'string' || !GROUP_PATTERN.test(value) || value.length > GROUP_MAX_LENGTH) {
    throw new InvalidJobOptionError(
      job,
      field,
      value,
      `is not a group name (letters, digits, . _ : -, at most ${GROUP_MAX_LENGTH})`,
    );
  }
  return value;
}

export function validateTimeout(job: string, value: Duration, field = 'timeout'): number {
  const ms = parseDuration(value, job, field);
  if (ms <= 0) throw new InvalidJobOptionError(job, field, value, 'must be greater than zero');
  // Longer timers fire at once in Node.js (and the column is a 32-bit integer).
  if (ms > INT_MAX)
    throw new InvalidJobOptionError(
      job,
      field,
      value,
      `is longer than ${INT_MAX} ms (about 24.8 days), the longest timeout`,
    );
  return ms;
}

const SENSITIVE_PATH = /^[^.]+(\.[^.]+)*$/;

export function validateSensitive(job: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((path) => typeof path !== 'string' || !SENSITIVE_PATH.test(path))) {
    throw new InvalidJobOptionError(
      job,
      'sensitive',
      value,
      "is not an array of payload keys or dotted paths (e.g. ['password', 'card.number'])",
    );
  }
  return [...(value as string[])];
}

export function validateConcurrency(job: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidJobOptionError(
      job,
      'concurrency',
      value,
      'is not a positive integer (the most tasks of this job running at once)',
    );
  }
  return value as number;
}

/** The longest rate window: one day. */
const RATE_WINDOW_MAX_MS = 86_400_000;

export function validateRateLimit(job: string, value: unknown): RateLimitSpec {
  return checkRateLimit(value, (field, given, reason) => new InvalidJobOptionError(job, field, given, reason));
}

/**
 * A `rateLimit` object checked field by field; `fail` builds the error naming the field
 * (`rateLimit`, `rateLimit.limit`, `rateLimit.per` or an unknown `rateLimit.*` key), the value
 * and what is wrong with it (a job's `InvalidJobOptionError`, a group's `InvalidGroupOptionError`).
 */
export function checkRateLimit(
  value: unknown,
  fail: (field: string, value: unknown, reason: string) => Error,
): RateLimitSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail('rateLimit', value, "is not an object such as { limit: 100, per: '1m' }");
  }
  const { limit, per, ...rest } = value as { limit?: unknown; per?: unknown };
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    throw fail(
      `rateLimit.${unknown}`,
      (rest as Record<string, unknown>)[unknown],
      'is not a rateLimit field (limit, per)',
    );
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > INT_MAX) {
    throw fail('rateLimit.limit', limit, `is not a positive integer up to ${INT_MAX} (the most starts per window)`);
  }
  if (typeof per !== 'number' && typeof per !== 'string') {
    throw fail('rateLimit.per', per, "is not a duration (ms, or a string such as '1s', '1m')");
  }
  const perMs = tryParseDuration(per);
  if (perMs === null)
    throw fail('rateLimit.per', per, "is not a duration (use milliseconds or e.g. '30s', '2m', '1h')");
  if (!Number.isInteger(perMs) || perMs < 1 || perMs > RATE_WINDOW_MAX_MS) {
    throw fail('rateLimit.per', per, 'is not a whole number of milliseconds between 1 ms and 1 day');
  }
  return { limit: limit as number, perMs };
}

/** The largest batch a handler call may receive, and the longest a worker may gather one. */
const BATCH_SIZE_MAX = 1000;
const BATCH_WAIT_MAX_MS = 60_000;

export function validateBatch(job: string, value: unknown): BatchSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidJobOptionError(job, 'batch', value, "is not an object such as { size: 100, wait: '1s' }");
  }
  const { size, wait, ...rest } = value as { size?: unknown; wait?: unknown };
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    throw new InvalidJobOptionError(
      job,
      `batch.${unknown}`,
      (rest as Record<string, unknown>)[unknown],
      'is not a batch field (size, wait)',
    );
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > BATCH_SIZE_MAX) {
    throw new InvalidJobOptionError(
      job,
      'batch.size',
      size,
      `is not an integer between 1 and ${BATCH_SIZE_MAX} (the most tasks per handler call)`,
    );
  }
  if (wait === undefined) return { size: size as number, waitMs: 0 };
  if (typeof wait !== 'number' && typeof wait !== 'string') {
    throw new InvalidJobOptionError(job, 'batch.wait', wait, "is not a duration (ms, or a string such as '1s')");
  }
  const waitMs = parseDuration(wait, job, 'batch.wait');
  if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > BATCH_WAIT_MAX_MS) {
    throw new InvalidJobOptionError(
      job,
      'batch.wait',
      wait,
      'is not a whole number of milliseconds between 0 and 1 minute',
    );
  }
  return { size: size as number, waitMs };
}

/** A `deadLetter` job name (whether it is registered is checked once every job is). */
export function validateDeadLetter(job: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > NAME_MAX_LENGTH) {
    throw new InvalidJobOptionError(job, 'deadLetter', value, `is not a job name (1-${NAME_MAX_LENGTH} characters)`);
  }
  if (value === job)
    throw new InvalidJobOptionError(
      job,
      'deadLetter',
      value,
      "names the job itself: a dead letter goes to another job (e.g. 'jobs.failed')",
    );
  return value;
}

/** Validate `JobOptions` once, at start-up; errors name the job, the field and the value. */
export function normalizeJobOptions(
  job: string,
  options: JobOptions,
  defaults: { timeoutMs: number },
): NormalizedJobOptions {
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw new InvalidJobOptionError(job, 'description', options.description, 'is not a string');
  }
  if (options.active !== undefined && typeof options.active !== 'boolean') {
    throw new InvalidJobOptionError(job, 'active', options.active, 'is not a boolean');
  }
  if (options.removeOnComplete !== undefined && typeof options.removeOnComplete !== 'boolean') {
    throw new InvalidJobOptionError(job, 'removeOnComplete', options.removeOnComplete, 'is not a boolean');
  }
  return {
    timeoutMs: options.timeout === undefined ? defaults.timeoutMs : validateTimeout(job, options.timeout),
    timeoutFrom: options.timeout === undefined ? 'module' : 'job',
    retries: options.retries === undefined ? 0 : validateRetries(job, options.retries),
    group: options.group === undefined ? 'main' : validateGroup(job, options.group),
    priority: options.priority === undefined ? 0 : validatePriority(job, options.priority),
    description: options.description ?? null,
    active: options.active ?? true,
    sensitive: options.sensitive === undefined ? [] : validateSensitive(job, options.sensitive),
    maxRunning: options.concurrency === undefined ? null : validateConcurrency(job, options.concurrency),
    isolation: options.isolation === undefined ? null : validateIsolation(job, options.isolation),
    deadLetter: options.deadLetter === undefined ? null : validateDeadLetter(job, options.deadLetter),
    rateLimit: options.rateLimit === undefined ? null : validateRateLimit(job, options.rateLimit),
    batch: options.batch === undefined ? null : validateBatch(job, options.batch),
    removeOnComplete: options.removeOnComplete ?? false,
  };
}
