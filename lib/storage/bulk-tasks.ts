import { SCHEDULED_TASK_UUID_LIKE } from '../scheduled-task-uuid.js';
import { FINISHED_TASK_STATUSES, UNFINISHED_TASK_STATUSES, type TaskStatus } from '../types.js';
import type { BulkTaskAction } from './engine.js';

/**
 * Statuses `bulkTasks('retry')` queues again: every finished status but COMPLETED (the
 * dashboard's single Retry takes the same, `RETRYABLE` in lib/dashboard/dashboard-actions.ts).
 */
export const BULK_RETRYABLE: readonly TaskStatus[] = FINISHED_TASK_STATUSES.filter((s) => s !== 'COMPLETED');

/** Statuses `bulkTasks('stop')` ends at once (STOPPED); a RUNNING task is asked to stop instead. */
export const BULK_STOPPED_AT_ONCE: readonly TaskStatus[] = UNFINISHED_TASK_STATUSES.filter((s) => s !== 'RUNNING');

/** Statuses of a dependency that ended without completing (a dependent that cancels on failure never runs after it). */
export const DEPENDENCY_FAILED: readonly TaskStatus[] = FINISHED_TASK_STATUSES.filter((s) => s !== 'COMPLETED');

/** The recurring task of a `@ScheduledTask` job (see definition-sync.ts): bulk actions leave it alone. */
export const NOT_RECURRING = (uuid: string): string => `${uuid} NOT LIKE '${SCHEDULED_TASK_UUID_LIKE}'`;

const list = (statuses: readonly string[]): string => statuses.map((s) => `'${s}'`).join(', ');

/** Task, run, dependency and batch tables, quoted. */
export interface BulkTables {
  task: string;
  run: string;
  dependency: string;
  batch: string;
}

/**
 * How one dialect writes the terms that pick a batch's rows in the statements below. The rows are
 * found by primary key, whatever the table's statistics say: the ids are the only indexable term
 * on the task table, and a task's status is tested through an expression no index serves
 * (`status`). With the bare column, right after a large bulk action (before the table is analysed
 * again) PostgreSQL believed a status that a million tasks now had to be rare, walked the status
 * index for it and joined every such row to the batch's 500 ids: seconds per batch.
 */
export interface BatchTerms {
  /** `column` is one of the batch's ids (on PostgreSQL `= ANY($1::int[])`). */
  isBatchId(column: string): string;
  /** A task's status column as an expression with the same value that no index serves. */
  status(column: string): string;
  /**
   * Ends the subquery that looks up a task's dependency edges, so it runs per task of the batch
   * (edge by its key, the other task by primary key) rather than being joined as a whole, which
   * with the status unindexed could read the whole task table (PostgreSQL: `OFFSET 0`).
   */
  perTask: string;
}

/** The columns a retry resets: the task starts over, due at `now`. */
export const RESET = (
  now: string,
) => `"next_run_time" = ${now}, "stop_time" = NULL, "attempt" = 0, "assigned_worker" = NULL,
        "claim_token" = NULL, "claimed_at" = NULL, "progress" = NULL, "progress_message" = NULL, "output" = NULL,
        "stop_requested" = FALSE, "updated_at" = ${now}`;

/**
 * The UPDATE statements of a bulk action on the task table (aliased `tk`), identical on every
 * dialect but for how the batch is written (`batch`) and the instant (`now`), run in this order in one
 * transaction:
 *
 * - `retry`: a task none of whose dependencies is unfinished or failed is QUEUED; then one whose
 *   dependencies are not all COMPLETED goes back to WAITING (released when they complete) unless
 *   one of them ended without completing and the task cancels on a failed dependency: that one is
 *   left as it is (retry the dependency first, or both together). The WAITING statement (the last)
 *   is run again while it changes rows, so a chain retried together waits link by link.
 * - `stop`: WAITING and QUEUED tasks become STOPPED, RUNNING ones are asked to stop.
 */
export function bulkUpdates(
  action: Exclude<BulkTaskAction, 'delete'>,
  t: BulkTables,
  batch: BatchTerms,
  now: string,
): string[] {
  const own = `${batch.isBatchId('tk."id"')} AND ${NOT_RECURRING('tk."uuid"')}`;
  const status = batch.status('tk."status"');
  if (action === 'retry') {
    // A dependency (p) is found through its edge, by primary key too.
    const edges = `SELECT 1 FROM ${t.dependency} d JOIN ${t.task} p ON p."id" = d."depends_on" WHERE d."task_id" = tk."id"`;
    const dependency = batch.status('p."status"');
    const retryable = `${own} AND ${status} IN (${list(BULK_RETRYABLE)})`;
    return [
      `UPDATE ${t.task} AS tk SET "status" = 'QUEUED', ${RESET(now)}
        WHERE ${retryable} AND NOT EXISTS (${edges} AND ${dependency} <> 'COMPLETED'${batch.perTask})`,
      `UPDATE ${t.task} AS tk SET "status" = 'WAITING', ${RESET(now)}
        WHERE ${retryable} AND NOT EXISTS (${edges} AND d."on_failure" = 'cancel' AND ${dependency} IN (${list(DEPENDENCY_FAILED)})${batch.perTask})`,
    ];
  }
  return [
    `UPDATE ${t.task} AS tk SET "status" = 'STOPPED', "updated_at" = ${now} WHERE ${own} AND ${status} IN (${list(BULK_STOPPED_AT_ONCE)})`,
    `UPDATE ${t.task} AS tk SET "stop_requested" = TRUE, "updated_at" = ${now} WHERE ${own} AND ${status} = 'RUNNING' AND tk."stop_requested" = FALSE`,
  ];
}

/** The ids a bulk stop ends at once (selected before `bulkUpdates('stop')`, in its transaction, to settle their flow after). */
export const bulkStoppedAtOnce = (t: BulkTables, batch: BatchTerms): string =>
  `SELECT tk."id" FROM ${t.task} AS tk WHERE ${batch.isBatchId('tk."id"')} AND ${NOT_RECURRING('tk."uuid"')} AND ${batch.status('tk."status"')} IN (${list(BULK_STOPPED_AT_ONCE)})`;

/**
 * Tasks that another task still waits for (a WAITING dependent, not in the `batch` when one is
 * given): deleting them would leave it waiting forever, so bulk delete and prune leave them
 * (delete or stop the dependent first, or both together). `task` is the task row's alias.
 */
export function noWaitingDependents(t: BulkTables, task: string, batch?: BatchTerms): string {
  const waiting = `${batch ? batch.status('w."status"') : 'w."status"'} = 'WAITING'`;
  return `NOT EXISTS (SELECT 1 FROM ${t.dependency} d JOIN ${t.task} w ON w."id" = d."task_id"
     WHERE d."depends_on" = ${task}."id" AND ${waiting}${batch ? ` AND NOT (${batch.isBatchId('w."id"')})${batch.perTask}` : ''})`;
}

/** The WHERE of a bulk delete on the task table aliased `tk`: every task but a running or recurring one, or one a task not deleted waits for. */
export const bulkDeletable = (t: BulkTables, batch: BatchTerms): string =>
  `${batch.isBatchId('tk."id"')} AND ${NOT_RECURRING('tk."uuid"')} AND ${batch.status('tk."status"')} <> 'RUNNING' AND ${noWaitingDependents(t, 'tk', batch)}`;

/** After tasks were deleted (`gone`: a list of their ids): their dependency edges, both ways. */
export const deleteDependencies = (t: BulkTables, gone: string): string =>
  `DELETE FROM ${t.dependency} WHERE "task_id" IN ${gone} OR "depends_on" IN ${gone}`;

/** Of the batches `batchIds` (those of deleted tasks), delete the ones no task belongs to any more; run after the tasks are deleted. */
export const deleteEmptyBatches = (t: BulkTables, batchIds: string): string =>
  `DELETE FROM ${t.batch} WHERE "id" IN ${batchIds} AND NOT EXISTS (SELECT 1 FROM ${t.task} x WHERE x."batch_id" = ${t.batch}."id")`;
