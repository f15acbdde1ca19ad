/**
 * The uuid of a recurring job's single task row: `kronos:schedule:<job name>`. One row (the
 * uuid is unique) means one claim per slot, however many nodes run the sync. Definition sync
 * creates and finds the row by it, prune and the dashboard's retry leave it alone, and the job
 * list reads the next slot off it. Every reader and writer builds it here, in TypeScript or SQL.
 */
const PREFIX = 'kronos:schedule:';

/** The uuid of the task row of the recurring job `job`. */
export const scheduledTaskUuid = (job: string): string => `${PREFIX}${job}`;

/** Whether `uuid` is the task row of a recurring job (rather than a task queued on demand). */
export const isScheduledTaskUuid = (uuid: string): boolean => uuid.startsWith(PREFIX);

/** A `LIKE` pattern matching every recurring job's task uuid (the prefix holds no `_` or `%`). */
export const SCHEDULED_TASK_UUID_LIKE = `${PREFIX}%`;

/**
 * SQL for the task uuid of the job whose name is in `nameColumn` (a column reference such as
 * `d.name`), for joins. MySQL has no `||` concatenation by default; SQLite's `concat()` is
 * recent, so each dialect gets its own spelling.
 */
export function scheduledTaskUuidSql(dialect: 'postgres' | 'sqlite' | 'mysql', nameColumn: string): string {
  return dialect === 'mysql' ? `CONCAT('${PREFIX}', ${nameColumn})` : `('${PREFIX}' || ${nameColumn})`;
}
