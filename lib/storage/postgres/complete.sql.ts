import type { Pool } from 'pg';
import type { TaskOutcome } from '../engine.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, INT_MAX, num, poolQuery, statement, type Statement } from './sql.js';

/**
 * Write back a batch of finished attempts in one round trip. Each task update is fenced by its
 * claim token (a rescued and re-claimed task has a new one), and a run row is inserted only for
 * the outcomes whose update went through: a worker that lost its lease writes nothing at all.
 * The final SELECT reports the fenced-out ids.
 *
 * The outcomes travel as one JSON array (`json_to_recordset` reads the fields named in its
 * column list, by the `TaskOutcome` property names): serialising it is one native
 * `JSON.stringify`, where twenty typed arrays cost the worker an escaping pass per value.
 * `t.id = ANY($2)` pins the task look-up to the primary key: joined to the input alone,
 * PostgreSQL sometimes hashed the whole task table to update a few hundred rows.
 */
export function completeStatement(t: PgTables): Statement {
  return statement(
    'complete',
    `WITH input AS (
       SELECT * FROM json_to_recordset($1::json)
         AS i("taskId" bigint, "claimToken" text, "jobName" text, worker text, attempt int, "runAs" text,
              "scheduledFor" bigint, "runStatus" text, "startTime" bigint, "stopTime" bigint, result text, message text,
              output text, traceback text, "taskStatus" text, "nextRunTime" bigint, "delayMs" bigint, "timesRun" int,
              "timesFailed" int, "nextAttempt" int)
     ), clock AS (SELECT ${DB_NOW_MS} AS now),
     updated AS (
       UPDATE ${t.task} t
          SET status = i."taskStatus",
              next_run_time = CASE WHEN i."taskStatus" = 'QUEUED'
                                   THEN COALESCE(i."nextRunTime", c.now + i."delayMs") ELSE t.next_run_time END,
              attempt = i."nextAttempt", times_run = i."timesRun", times_failed = i."timesFailed",
              last_run_time = i."stopTime", assigned_worker = NULL, claim_token = NULL, claimed_at = NULL,
              progress = NULL, progress_message = NULL, output = NULL, stop_requested = false, updated_at = c.now
         FROM input i CROSS JOIN clock c
        WHERE t.id = ANY ($2::bigint[]) AND t.id = i."taskId" AND t.claim_token = i."claimToken"
       RETURNING t.id, i."claimToken" AS token
     ),
     runs AS (
       INSERT INTO ${t.run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                             duration_ms, result, message, output, traceback, run_as)
       SELECT i."taskId", i."jobName", i."runStatus", i.worker, i.attempt, i."scheduledFor", i."startTime", i."stopTime",
              LEAST(GREATEST(i."stopTime" - i."startTime", 0), ${INT_MAX})::int, i.result, i.message, i.output,
              i.traceback, i."runAs"
         FROM input i JOIN updated u ON u.id = i."taskId" AND u.token = i."claimToken"
     )
     SELECT i."taskId" AS id FROM input i
      WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = i."taskId" AND u.token = i."claimToken")`,
  );
}

export async function completeTasks(pool: Pool, sql: Statement, outcomes: TaskOutcome[]): Promise<number[]> {
  if (outcomes.length === 0) return [];
  const { rows } = await poolQuery<{ id: string }>(pool, sql, [JSON.stringify(outcomes), outcomes.map((o) => o.taskId)]);
  return rows.map((r) => num(r.id));
}
