import type { ExpiredTask, Instant } from '../engine.js';
import type { MysqlConnections } from './connection.js';
import { CLOCK, num, type MysqlTables } from './sql.js';

/**
 * A queued task whose stop time passed before any worker claimed it will never run: EXPIRED.
 * The clock is a derived table so the statement reads it (and binds the instant) once.
 */
export function expireStatement(t: MysqlTables): string {
  return `UPDATE ${t.task} t
            JOIN (SELECT ${CLOCK} AS now) c
             SET t.status = 'EXPIRED', t.updated_at = c.now
           WHERE t.status = 'QUEUED' AND t.stop_time IS NOT NULL AND t.stop_time <= c.now`;
}

export async function expireTasks(db: MysqlConnections, sql: string, now: Instant): Promise<number> {
  const result = await db.autocommit((session) => session.write(sql, [now]));
  return result.affectedRows;
}

/**
 * `expireTasks`, reporting each task expired (lifecycle events have listeners). MySQL has no
 * `UPDATE ... RETURNING`, so one transaction reads the clock, locks the expired rows (SKIP
 * LOCKED: a row a claim holds is left to the next round; the claim does not take it past its
 * stop time anyway) and updates them by id.
 */
export async function expireTasksReporting(db: MysqlConnections, t: MysqlTables, now: Instant, expired: ExpiredTask[]): Promise<number> {
  const found = await db.transaction(async (session) => {
    const at = num((await session.rows(`SELECT ${CLOCK} AS now`, [now]))[0].now);
    const rows = await session.rows(
      `SELECT id, job_name, attempt, run_as FROM ${t.task}
        WHERE status = 'QUEUED' AND stop_time IS NOT NULL AND stop_time <= ? ORDER BY id FOR UPDATE SKIP LOCKED`,
      [at],
    );
    if (rows.length > 0) await session.write(`UPDATE ${t.task} SET status = 'EXPIRED', updated_at = ? WHERE id IN (?)`, [at, rows.map((r) => r.id)]);
    return rows.map((r): ExpiredTask => ({ taskId: num(r.id), jobName: String(r.job_name), attempt: num(r.attempt), runAs: r.run_as as string | null, at }));
  });
  expired.push(...found);
  return found.length;
}
