import type { EntityManager } from 'typeorm';
import { InvalidEnqueueOptionError } from '../errors.js';
import type { BatchCounts, NewTask } from '../storage/engine.js';
import type { StoredCallbacks } from '../storage/task-flow.js';
import type { EnqueuedTask, EnqueueOptions } from './enqueue-options.js';

export type { BatchCounts, BatchState } from '../storage/engine.js';

/** A job to queue when a batch reaches a point (`BatchOptions.onComplete` ...), with a payload of its own. */
export interface BatchCallback<P = unknown> {
  /** The `@Job` to queue; it receives a `BatchCallbackPayload<P>`. */
  job: string;
  /** Passed on as `payload` of the `BatchCallbackPayload`. */
  payload?: P;
}

/** What a batch callback job receives. */
export interface BatchCallbackPayload<P = unknown> {
  batchId: number;
  /** The batch's tasks by outcome when the callback was queued. */
  counts: BatchCounts;
  /** The callback's own payload (`BatchCallback.payload`), or null. */
  payload: P | null;
}

/** Options of `SchedulerService.batch`. */
export interface BatchOptions {
  /** Shown by `kronos batches` (at most 255 characters). */
  description?: string;
  /** Queued once, when every task of the batch has ended (whatever the outcome). */
  onComplete?: BatchCallback;
  /** Queued once, when every task of the batch has COMPLETED. */
  onSuccess?: BatchCallback;
  /** Queued once, at the first task that ends FAILED, TIMEOUT, EXPIRED or CANCELLED. */
  onFailure?: BatchCallback;
  /** Enqueue inside this TypeORM transaction: a rollback also removes the batch and its tasks. */
  manager?: EntityManager;
}

/** One task of a batch: its job, payload and `enqueue` options (`dependsOn` included). */
export interface BatchItem extends Omit<EnqueueOptions, 'manager' | 'unique' | 'dependsOn'> {
  job: string;
  payload?: unknown;
  /**
   * What it waits for: ids of existing tasks, and `{ item: n }` for the task of an earlier item
   * of the same batch (`n` its 0-based index), so a batch can hold its own chains and diamonds.
   */
  dependsOn?: readonly (number | { item: number })[];
}

/** What `SchedulerService.batch(options, items)` returns: the batch id and its tasks, in order. */
export interface EnqueuedBatch {
  id: number;
  tasks: EnqueuedTask[];
}

/** A batch item's dependencies: task ids, and the indexes of earlier items (which must come before it). */
export function itemDependencies(job: string, index: number, dependsOn: unknown): { ids: number[]; items: number[] } {
  if (dependsOn === undefined) return { ids: [], items: [] };
  if (!Array.isArray(dependsOn))
    throw new InvalidEnqueueOptionError(job, 'dependsOn', dependsOn, 'must be an array of task ids and { item: n }');
  const ids: number[] = [];
  const items: number[] = [];
  for (const dep of dependsOn as unknown[]) {
    if (dep !== null && typeof dep === 'object' && 'item' in dep) {
      const n = dep.item;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= index) {
        throw new InvalidEnqueueOptionError(
          job,
          'dependsOn',
          dep,
          `must name an earlier item of the batch (0 to ${index - 1})`,
        );
      }
      if (!items.includes(n)) items.push(n);
    } else {
      ids.push(dep as number); // checked with the other options
    }
  }
  return { ids, items };
}

const CALLBACKS = ['onComplete', 'onSuccess', 'onFailure'] as const;
const OPTION_KEYS = new Set<string>(['description', 'manager', ...CALLBACKS]);

/**
 * The batch's options, checked, with each callback built as a task (`build` checks its job and
 * payload as `enqueue` would); the stored text is what the engine queues, with the counts.
 */
export function batchCallbacks(
  options: BatchOptions,
  build: (job: string, payload: unknown) => NewTask,
): string | null {
  if (options === null || typeof options !== 'object')
    throw new InvalidEnqueueOptionError('(batch)', 'options', options, 'must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key))
      throw new InvalidEnqueueOptionError(
        '(batch)',
        key,
        (options as Record<string, unknown>)[key],
        'is not a batch option (description, onComplete, onSuccess, onFailure, manager)',
      );
  }
  if (
    options.description !== undefined &&
    (typeof options.description !== 'string' || options.description.length > 255)
  ) {
    throw new InvalidEnqueueOptionError(
      '(batch)',
      'description',
      options.description,
      'must be a string of at most 255 characters',
    );
  }
  const stored: StoredCallbacks = {};
  for (const key of CALLBACKS) {
    const callback = options[key];
    if (callback === undefined) continue;
    if (callback === null || typeof callback !== 'object' || typeof callback.job !== 'string') {
      throw new InvalidEnqueueOptionError(
        '(batch)',
        key,
        callback,
        'must be { job, payload? } naming a registered job',
      );
    }
    stored[key === 'onComplete' ? 'complete' : key === 'onSuccess' ? 'success' : 'failure'] = build(
      callback.job,
      callback.payload ?? null,
    );
  }
  return Object.keys(stored).length > 0 ? JSON.stringify(stored) : null;
}
