import { TaskNotFoundError } from '../errors.js';

/**
 * The largest task (and run) id: ids are 32-bit `integer` columns on every dialect (see
 * docs/architecture.md, "Departures from the reference design").
 */
export const MAX_TASK_ID = 2_147_483_647;

/**
 * A task id as the service takes it, checked before any database sees it: a positive safe integer
 * up to `MAX_TASK_ID`. Anything else (`'abc'`, `1.5`, `2 ** 40`, `NaN`) is an id no task can have,
 * so it is a `TaskNotFoundError` on every dialect (PostgreSQL would otherwise refuse the query
 * with a driver error, SQLite would quietly find nothing).
 */
export function requireTaskId(taskId: unknown): number {
  if (typeof taskId !== 'number' || !Number.isInteger(taskId)) {
    throw new TaskNotFoundError(taskId, 'a task id is a positive integer');
  }
  if (taskId < 1 || taskId > MAX_TASK_ID) {
    throw new TaskNotFoundError(taskId, `task ids run from 1 to ${MAX_TASK_ID}`);
  }
  return taskId;
}
