import type { Instant } from '../engine.js';
import type { MysqlConnections } from './connection.js';
import { CLOCK, type MysqlTables } from './sql.js';

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
