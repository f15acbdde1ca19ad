import type { Pool } from 'pg';
import type { TaskOutcome } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, INT_MAX, num, poolQuery, statement, type Statement } from './sql.js';

/**
 * Write back a batch of finished attempts in one round trip. Each task update is fenced by its
 * claim token (a rescued and re-claimed task has a new one), and a run row is inserted only for
 * the outcomes whose update went through: a worker that lost its lease writes nothing at all.
 * The final SELECT reports the fenced-out ids.
 */
export function completeStatement(t: PgTables): Statement {
  return statement(
    'complete',
    `WITH input AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[],
                            $8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::text[],
                            $14::text[], $15::text[], $16::bigint[], $17::bigint[], $18::int[], $19::int[], $20::int[])
         AS i(id, token, job_name, worker, attempt, run_as, scheduled_for, run_status, start_time, stop_time,
              result, message, output, traceback, task_status, next_run_time, delay_ms, times_run, times_failed,
              next_attempt)
     ), clock AS (SELECT ${DB_NOW_MS} AS now),
     updated AS (
       UPDATE ${t.task} t
          SET status = i.task_status,
              next_run_time = CASE WHEN i.task_status = 'QUEUED'
                                   THEN COALESCE(i.next_run_time, c.now + i.delay_ms) ELSE t.next_run_time END,
              attempt = i.next_attempt, times_run = i.times_run, times_failed = i.times_failed,
              last_run_time = i.stop_time, assigned_worker = NULL, claim_token = NULL, claimed_at = NULL,
              progress = NULL, progress_message = NULL, output = NULL, stop_requested = false, updated_at = c.now
         FROM input i CROSS JOIN clock c
        WHERE t.id = i.id AND t.claim_token = i.token
       RETURNING t.id, i.token
     ),
     runs AS (
       INSERT INTO ${t.run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                             duration_ms, result, message, output, traceback, run_as)
       SELECT i.id, i.job_name, i.run_status, i.worker, i.attempt, i.scheduled_for, i.start_time, i.stop_time,
              LEAST(GREATEST(i.stop_time - i.start_time, 0), ${INT_MAX})::int, i.result, i.message, i.output,
              i.traceback, i.run_as
         FROM input i JOIN updated u ON u.id = i.id AND u.token = i.token
     )
     SELECT i.id FROM input i WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = i.id AND u.token = i.token)`,
  );
}

export async function completeTasks(pool: Pool, sql: Statement, outcomes: TaskOutcome[]): Promise<number[]> {
  if (outcomes.length === 0) return [];
  const col = <K extends keyof TaskOutcome>(key: K) => outcomes.map((o) => o[key]);
  const { rows } = await poolQuery<{ id: string }>(pool, sql, [
    col('taskId'),
    col('claimToken'),
    col('jobName'),
    col('worker'),
    col('attempt'),
    col('runAs'),
    col('scheduledFor'),
    col('runStatus'),
    col('startTime'),
    col('stopTime'),
    col('result'),
    col('message'),
    col('output'),
    col('traceback'),
    col('taskStatus'),
    col('nextRunTime'),
    col('delayMs'),
    col('timesRun'),
    col('timesFailed'),
    col('nextAttempt'),
  ]);
  return rows.map((r) => num(r.id));
}
