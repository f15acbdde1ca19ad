import type { ValueTransformer } from 'typeorm';

/**
 * Times are stored as UTC epoch milliseconds in BIGINT columns (see docs/architecture.md):
 * identical hand-written SQL on every dialect and no session time-zone conversions. Drivers
 * return BIGINT as a string on PostgreSQL and MySQL; this turns it back into a number.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};

export const TABLES = {
  job: 'kronos_job',
  task: 'kronos_task',
  run: 'kronos_run',
  worker: 'kronos_worker',
  audit: 'kronos_audit',
} as const;

/**
 * The condition of the partial status indexes `kronos_task_status` and `kronos_run_status`
 * (PostgreSQL and SQLite): every status but COMPLETED, which is most of both tables. PostgreSQL
 * infers it from a query's `status = 'FAILED'`; SQLite uses a partial index only when the query
 * states the index's condition itself, so queries by a status other than COMPLETED add
 * `statusIndexTerm(alias)`, which changes no result.
 */
export const STATUS_INDEX_CONDITION = notCompleted('"status"');

/** `STATUS_INDEX_CONDITION` for a query-builder alias (`t` in `t.status`). */
export const statusIndexTerm = (alias: string): string => notCompleted(`${alias}.status`);

/** The status indexes' condition on a status column written as `column`. */
export function notCompleted(column: string): string {
  return `${column} <> 'COMPLETED'`;
}
