import type { BulkTaskAction } from './engine.js';

/** Statuses `bulkTasks('retry')` queues again (the dashboard's single Retry takes the same). */
export const BULK_RETRYABLE = ['FAILED', 'TIMEOUT', 'EXPIRED', 'STOPPED'] as const;

/** The recurring task of a `@ScheduledTask` job (see definition-sync.ts): bulk actions leave it alone. */
export const NOT_RECURRING = (uuid: string): string => `${uuid} NOT LIKE 'kronos:schedule:%'`;

const list = (statuses: readonly string[]): string => statuses.map((s) => `'${s}'`).join(', ');

/**
 * The SET and WHERE of a bulk update on the task table, identical on every dialect but for how
 * the ids are bound (`ids`) and the instant (`now`): `retry` and the two halves of `stop`.
 */
export function bulkUpdates(action: Exclude<BulkTaskAction, 'delete'>, ids: string, now: string): string[] {
  const own = `"id" IN ${ids} AND ${NOT_RECURRING('"uuid"')}`;
  if (action === 'retry') {
    return [
      `SET "status" = 'QUEUED', "next_run_time" = ${now}, "stop_time" = NULL, "attempt" = 0, "assigned_worker" = NULL,
        "claim_token" = NULL, "claimed_at" = NULL, "progress" = NULL, "progress_message" = NULL, "output" = NULL,
        "stop_requested" = FALSE, "updated_at" = ${now}
       WHERE ${own} AND "status" IN (${list(BULK_RETRYABLE)})`,
    ];
  }
  return [
    `SET "status" = 'STOPPED', "updated_at" = ${now} WHERE ${own} AND "status" = 'QUEUED'`,
    `SET "stop_requested" = TRUE, "updated_at" = ${now} WHERE ${own} AND "status" = 'RUNNING' AND "stop_requested" = FALSE`,
  ];
}

/** The WHERE of a bulk delete: every task but a running or recurring one. */
export const bulkDeletable = (ids: string): string => `"id" IN ${ids} AND ${NOT_RECURRING('"uuid"')} AND "status" <> 'RUNNING'`;
