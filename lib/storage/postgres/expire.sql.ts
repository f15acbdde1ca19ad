import type { Pool } from 'pg';
import type { ExpiredTask, Instant } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, num, poolQuery, type MakeStatement, type Statement } from './sql.js';

/**
 * A queued task whose stop time passed before any worker claimed it will never run: EXPIRED.
 * With `report` (lifecycle events have listeners) the expired rows are returned.
 */
export function expireStatement(t: PgTables, statement: MakeStatement, report = false): Statement {
  return statement(
    report ? 'expire_report' : 'expire',
    `WITH clock AS (SELECT COALESCE($1::bigint, ${DB_NOW_MS}) AS now)
     UPDATE ${t.task} t
        SET status = 'EXPIRED', updated_at = c.now
       FROM clock c
      WHERE t.status = 'QUEUED' AND t.stop_time IS NOT NULL AND t.stop_time <= c.now
      ${report ? 'RETURNING t.id, t.job_name, t.attempt, t.run_as, c.now' : ''}`,
  );
}

export async function expireTasks(pool: Pool, sql: Statement, now: Instant): Promise<number> {
  return (await poolQuery(pool, sql, [now])).rowCount;
}

/** `expireTasks` with the statement built by `expireStatement(t, true)`: reports each task expired. */
export async function expireTasksReporting(
  pool: Pool,
  sql: Statement,
  now: Instant,
  expired: ExpiredTask[],
): Promise<number> {
  const { rows } = await poolQuery<{
    id: string;
    job_name: string;
    attempt: number;
    run_as: string | null;
    now: string;
  }>(pool, sql, [now]);
  for (const r of rows)
    expired.push({ taskId: num(r.id), jobName: r.job_name, attempt: num(r.attempt), runAs: r.run_as, at: num(r.now) });
  return rows.length;
}
