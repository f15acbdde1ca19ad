import type { Pool } from 'pg';
import type { ProgressUpdate } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, num, poolQuery, type MakeStatement, type Statement } from './sql.js';

/**
 * Progress of every running attempt of a worker in one fenced UPDATE. The ids that matched no
 * row lost their lease: the worker aborts those handlers.
 */
export function progressStatement(t: PgTables, statement: MakeStatement): Statement {
  return statement(
    'progress',
    `WITH input AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[])
         AS i(id, token, progress, progress_message, output)
     ),
     updated AS (
       UPDATE ${t.task} t
          SET progress = i.progress, progress_message = i.progress_message, output = i.output,
              updated_at = ${DB_NOW_MS}
         FROM input i
        WHERE t.id = i.id AND t.claim_token = i.token
       RETURNING t.id
     )
     SELECT i.id FROM input i WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = i.id)`,
  );
}

export async function saveProgress(pool: Pool, sql: Statement, updates: ProgressUpdate[]): Promise<number[]> {
  if (updates.length === 0) return [];
  const { rows } = await poolQuery<{ id: string }>(pool, sql, [
    updates.map((u) => u.taskId),
    updates.map((u) => u.claimToken),
    // The column is an integer percentage; 33.3 would not cast.
    updates.map((u) => (u.progress === null ? null : Math.round(u.progress))),
    updates.map((u) => u.progressMessage),
    updates.map((u) => u.output),
  ]);
  return rows.map((r) => num(r.id));
}
