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

/** The columns a retry resets: the task starts over, due at `now`. */
export const RESET = (
  now: string,
) => `"next_run_time" = ${now}, "stop_time" = NULL, "attempt" = 0, "assigned_worker" = NULL,
        "claim_token" = NULL, "claimed_at" = NULL, "progress" = NULL, "progress_message" = NULL, "output" = NULL,
        "stop_requested" = FALSE, "updated_at" = ${now}`;

/**
 * The UPDATE statements of a bulk action on the task table (aliased `tk`), identical on every
 * dialect but for how the ids are bound (`ids`) and the instant (`now`), run in this order in one
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
  ids: string,
  now: string,
): string[] {
  const own = `tk."id" IN ${ids} AND ${NOT_RECURRING('tk."uuid"')}`;
  if (action === 'retry') {
    const edges = `SELECT 1 FROM ${t.dependency} d JOIN ${t.task} p ON p."id" = d."depends_on" WHERE d."task_id" = tk."id"`;
    const retryable = `${own} AND tk."status" IN (${list(BULK_RETRYABLE)})`;
    return [
      `UPDATE ${t.task} AS tk SET "status" = 'QUEUED', ${RESET(now)}
        WHERE ${retryable} AND NOT EXISTS (${edges} AND p."status" <> 'COMPLETED')`,
      `UPDATE ${t.task} AS tk SET "status" = 'WAITING', ${RESET(now)}
        WHERE ${retryable} AND NOT EXISTS (${edges} AND d."on_failure" = 'cancel' AND p."status" IN (${list(DEPENDENCY_FAILED)}))`,
    ];
  }
  return [
    `UPDATE ${t.task} AS tk SET "status" = 'STOPPED', "updated_at" = ${now} WHERE ${own} AND tk."status" IN (${list(BULK_STOPPED_AT_ONCE)})`,
    `UPDATE ${t.task} AS tk SET "stop_requested" = TRUE, "updated_at" = ${now} WHERE ${own} AND tk."status" = 'RUNNING' AND tk."stop_requested" = FALSE`,
  ];
}

/** The ids a bulk stop ends at once (selected before `bulkUpdates('stop')`, in its transaction, to settle their flow after). */
export const bulkStoppedAtOnce = (t: BulkTables, ids: string): string =>
  `SELECT tk."id" FROM ${t.task} AS tk WHERE tk."id" IN ${ids} AND ${NOT_RECURRING('tk."uuid"')} AND tk."status" IN (${list(BULK_STOPPED_AT_ONCE)})`;

/**
 * Tasks that another task still waits for (a WAITING dependent not among `ids`): deleting them
 * would leave it waiting forever, so bulk delete and prune leave them (delete or stop the
 * dependent first, or both together). `task` is the task row's alias.
 */
export const noWaitingDependents = (t: BulkTables, task: string, ids?: string): string =>
  `NOT EXISTS (SELECT 1 FROM ${t.dependency} d JOIN ${t.task} w ON w."id" = d."task_id"
     WHERE d."depends_on" = ${task}."id" AND w."status" = 'WAITING'${ids ? ` AND w."id" NOT IN ${ids}` : ''})`;

/** The WHERE of a bulk delete on the task table aliased `tk`: every task but a running or recurring one, or one a task not deleted waits for. */
export const bulkDeletable = (t: BulkTables, ids: string): string =>
  `tk."id" IN ${ids} AND ${NOT_RECURRING('tk."uuid"')} AND tk."status" <> 'RUNNING' AND ${noWaitingDependents(t, 'tk', ids)}`;

/** After tasks were deleted (`gone`: a list of their ids): their dependency edges, both ways. */
export const deleteDependencies = (t: BulkTables, gone: string): string =>
  `DELETE FROM ${t.dependency} WHERE "task_id" IN ${gone} OR "depends_on" IN ${gone}`;

/** Of the batches `batchIds` (those of deleted tasks), delete the ones no task belongs to any more; run after the tasks are deleted. */
export const deleteEmptyBatches = (t: BulkTables, batchIds: string): string =>
  `DELETE FROM ${t.batch} WHERE "id" IN ${batchIds} AND NOT EXISTS (SELECT 1 FROM ${t.task} x WHERE x."batch_id" = ${t.batch}."id")`;
