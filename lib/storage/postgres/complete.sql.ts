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
 * The outcomes travel as one JSON array read by `json_to_recordset`, in a compact form written by
 * `wireOutcomes`: short keys, absent keys for null values, and nothing the task row already
 * holds (the run's job name and user come from the updated row). A batch of 500 no-op outcomes
 * is about a third of the bytes of the plain objects, which the worker's socket writes and
 * PostgreSQL's JSON parser both feel. `t.id = ANY($2)` pins the task look-up to the primary key:
 * joined to the input alone, PostgreSQL sometimes hashed the whole task table to update a few
 * hundred rows.
 */
export function completeStatement(t: PgTables): Statement {
  return statement(
    'complete',
    `WITH input AS (
       SELECT * FROM json_to_recordset($1::json)
         AS i(i bigint, k text, w text, a int, f bigint, s text, b bigint, e bigint, r text, m text, o text, x text,
              t text, n bigint, d bigint, tr int, tf int, na int)
     ), clock AS (SELECT ${DB_NOW_MS} AS now),
     updated AS (
       UPDATE ${t.task} t
          SET status = i.t,
              next_run_time = CASE WHEN i.t = 'QUEUED' THEN COALESCE(i.n, c.now + COALESCE(i.d, 0)) ELSE t.next_run_time END,
              attempt = i.na, times_run = i.tr, times_failed = i.tf,
              last_run_time = i.e, assigned_worker = NULL, claim_token = NULL, claimed_at = NULL,
              progress = NULL, progress_message = NULL, output = NULL, stop_requested = false, updated_at = c.now
         FROM input i CROSS JOIN clock c
        WHERE t.id = ANY ($2::bigint[]) AND t.id = i.i AND t.claim_token = i.k
       RETURNING t.id, i.k AS token, t.job_name, t.run_as
     ),
     runs AS (
       INSERT INTO ${t.run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                             duration_ms, result, message, output, traceback, run_as)
       SELECT i.i, u.job_name, i.s, i.w, i.a, i.f, i.b, i.e,
              LEAST(GREATEST(i.e - i.b, 0), ${INT_MAX})::int, i.r, i.m, i.o, i.x, u.run_as
         FROM input i JOIN updated u ON u.id = i.i AND u.token = i.k
     )
     SELECT i.i AS id FROM input i
      WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = i.i AND u.token = i.k)`,
  );
}

/** A JSON string (or null) as JSON text. */
const json = (value: string): string => JSON.stringify(value);

/**
 * The outcomes as `json_to_recordset` input: keys as in the statement's column list, null
 * values left out (the column reads NULL). Built as text: numbers and statuses need no escaping,
 * and the worker name, repeated on every outcome of a batch, is escaped once.
 */
export function wireOutcomes(outcomes: TaskOutcome[]): string {
  let worker = '';
  let workerJson = '""';
  let text = '[';
  for (let n = 0; n < outcomes.length; n++) {
    const o = outcomes[n];
    if (o.worker !== worker) {
      worker = o.worker;
      workerJson = json(worker);
    }
    text += `${n === 0 ? '' : ','}{"i":${o.taskId},"k":${json(o.claimToken)},"w":${workerJson},"a":${o.attempt},"f":${o.scheduledFor},"s":"${o.runStatus}","b":${o.startTime},"e":${o.stopTime},"t":"${o.taskStatus}","tr":${o.timesRun},"tf":${o.timesFailed},"na":${o.nextAttempt}`;
    if (o.delayMs !== 0) text += `,"d":${o.delayMs}`;
    if (o.nextRunTime !== null) text += `,"n":${o.nextRunTime}`;
    if (o.result !== null) text += `,"r":${json(o.result)}`;
    if (o.message !== null) text += `,"m":${json(o.message)}`;
    if (o.output !== null) text += `,"o":${json(o.output)}`;
    if (o.traceback !== null) text += `,"x":${json(o.traceback)}`;
    text += '}';
  }
  return `${text}]`;
}

export async function completeTasks(pool: Pool, sql: Statement, outcomes: TaskOutcome[]): Promise<number[]> {
  if (outcomes.length === 0) return [];
  const { rows } = await poolQuery<{ id: string }>(pool, sql, [wireOutcomes(outcomes), outcomes.map((o) => o.taskId)]);
  return rows.map((r) => num(r.id));
}
