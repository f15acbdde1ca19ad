import type { Pool } from 'pg';
import type { Instant } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, poolQuery, statement, type Statement } from './sql.js';

/** A queued task whose stop time passed before any worker claimed it will never run: EXPIRED. */
export function expireStatement(t: PgTables): Statement {
  return statement(
    'expire',
    `WITH clock AS (SELECT COALESCE($1::bigint, ${DB_NOW_MS}) AS now)
     UPDATE ${t.task} t
        SET status = 'EXPIRED', updated_at = c.now
       FROM clock c
      WHERE t.status = 'QUEUED' AND t.stop_time IS NOT NULL AND t.stop_time <= c.now`,
  );
}

export async function expireTasks(pool: Pool, sql: Statement, now: Instant): Promise<number> {
  return (await poolQuery(pool, sql, [now])).rowCount;
}
