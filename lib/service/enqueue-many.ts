import { BulkEnqueueItemError, InvalidEnqueueOptionError, KronosError } from '../errors.js';
import type { NewTask } from '../storage/engine.js';
import type { EnqueueOptions } from './enqueue-options.js';

/**
 * Options shared by every task of `SchedulerService.enqueueMany`. An item's own options (mixed
 * form) take precedence over these. `uuid` is per task, so it is only an item option; `unique`
 * (deduplication windows) is for `enqueue` alone.
 */
export interface EnqueueManyOptions extends Omit<
  EnqueueOptions,
  'uuid' | 'unique' | 'dependsOn' | 'onDependencyFailure'
> {
  /**
   * Tasks per INSERT statement (one round trip each), 1 to 5,000; default 1,000. Every chunk is
   * written in one transaction: the caller's when `manager` is given, else one of its own, so a
   * failure leaves nothing of the batch behind.
   */
  chunkSize?: number;
}

/**
 * One task of the mixed-job form of `SchedulerService.enqueueMany`: the job, its payload, and
 * any `enqueue` option for this task alone (`manager` is given once, in the shared options).
 */
export interface EnqueueManyItem extends Omit<
  EnqueueOptions,
  'manager' | 'unique' | 'dependsOn' | 'onDependencyFailure'
> {
  /** The `@Job` (or `@ScheduledTask`) name. */
  job: string;
  /** The payload, as for `enqueue` (JSON-serialisable; omitted means none). */
  payload?: unknown;
}

/** The default number of tasks per INSERT. */
export const DEFAULT_CHUNK_SIZE = 1000;
const MAX_CHUNK_SIZE = 5000;

/** The shared options' `chunkSize`, checked; `job` names the batch in the error. */
export function chunkSizeOf(job: string, options: EnqueueManyOptions): number {
  const size = options.chunkSize;
  if (size === undefined) return DEFAULT_CHUNK_SIZE;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
    throw new InvalidEnqueueOptionError(job, 'chunkSize', size, `must be an integer from 1 to ${MAX_CHUNK_SIZE}`);
  }
  return size;
}

/** The item option keys of the mixed form (anything else is refused, like a misspelt option). */
const ITEM_KEYS = new Set([
  'job',
  'payload',
  'runAs',
  'queuedBy',
  'startAt',
  'delay',
  'stopAt',
  'uuid',
  'priority',
  'group',
  'retries',
  'timeout',
]);

/** The item keys of `SchedulerService.batch`: those of `enqueueMany`, and dependencies. */
export const BATCH_ITEM_KEYS = new Set([...ITEM_KEYS, 'dependsOn', 'onDependencyFailure']);

/** The job name an item of the mixed form gives, refusing anything that is not an item. */
export function itemJob(item: unknown, index: number, keys: ReadonlySet<string> = ITEM_KEYS): string {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new BulkEnqueueItemError(
      index,
      String(item),
      new KronosError(`item ${index} is not an object { job, payload, ...options }`),
    );
  }
  const { job } = item as { job?: unknown };
  if (typeof job !== 'string' || job === '') {
    throw new BulkEnqueueItemError(
      index,
      String(job),
      new InvalidEnqueueOptionError(String(job), 'job', job, 'must be the name of a registered job'),
    );
  }
  for (const key of Object.keys(item)) {
    if (!keys.has(key))
      throw new BulkEnqueueItemError(
        index,
        job,
        new InvalidEnqueueOptionError(
          job,
          key,
          (item as Record<string, unknown>)[key],
          'is not an enqueueMany item option',
        ),
      );
  }
  return job;
}

/**
 * Build one task with the same checks as `enqueue`, a refusal becoming a `BulkEnqueueItemError`
 * naming the item's index.
 */
export function atIndex<T>(index: number, job: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof BulkEnqueueItemError) throw error;
    throw new BulkEnqueueItemError(index, job, error instanceof Error ? error : new Error(String(error)));
  }
}

/** `tasks` in consecutive slices of at most `size`. */
export function chunks(tasks: NewTask[], size: number): NewTask[][] {
  const slices: NewTask[][] = [];
  for (let start = 0; start < tasks.length; start += size) slices.push(tasks.slice(start, start + size));
  return slices;
}
