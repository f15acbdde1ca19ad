import type { Pool } from 'pg';
import type { Instant, LostRun, NewTask, RescueReport } from '../engine.js';
import { lostDeadLetter, type DeadLetterRoutes } from '../dead-letter-task.js';
import { requeuesLostAttemptSql, workerLostMessageSql } from '../lost-attempt.js';
import type { PgTables } from './tables.js';
import { DB_NOW_MS, INT_MAX, num, poolQuery, type MakeStatement, type Statement } from './sql.js';

/**
 * Rescue runs whose worker died, in one statement (hence one transaction):
 *
 * - `orphans` locks RUNNING tasks whose worker row stopped heartbeating, or has no row at all and
 *   claimed long enough ago (a worker may claim before its first heartbeat lands). SKIP LOCKED
 *   lets two rescuers run at once: each takes different rows, and a row another rescuer already
 *   moved on is re-checked against its new version (no longer RUNNING) and dropped. Running it
 *   twice therefore rescues nothing the second time.
 * - `lost` records the attempt as a LOST run, keeping the output the worker had synced.
 * - `requeued` applies the rule of lost-attempt.ts: recurring tasks back for an immediate run of
 *   a fresh occurrence, a one-off task retried while `attempt <= retries`, failed otherwise.
 * - `gone` deletes worker rows that are dead and have nothing RUNNING left (the rows this
 *   statement rescues still look RUNNING to it, so they are excluded by id). SKIP LOCKED again:
 *   a row a concurrent rescuer or heartbeat holds is left for the next round instead of waited
 *   on, so two rescuers can never deadlock on worker rows.
 */
export function rescueStatement(t: PgTables, statement: MakeStatement): Statement {
  const requeue = requeuesLostAttemptSql('o');
  return statement(
    'rescue',
    `WITH clock AS (SELECT COALESCE($2::bigint, ${DB_NOW_MS}) AS now),
     orphans AS (
       SELECT t.id, t.uuid, t.job_name, t.assigned_worker, t.claimed_at, t.attempt, t.retries, t.schedule,
              t.next_run_time, t.output, t.run_as, t.payload
         FROM ${t.task} t
         CROSS JOIN clock c
         LEFT JOIN ${t.worker} w ON w.name = t.assigned_worker
        WHERE t.status = 'RUNNING'
          AND CASE WHEN w.name IS NULL THEN COALESCE(t.claimed_at, 0) < c.now - $1::bigint
                   ELSE w.last_heartbeat < c.now - $1::bigint END
        FOR UPDATE OF t SKIP LOCKED
     ),
     lost AS (
       INSERT INTO ${t.run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                             duration_ms, result, message, output, traceback, run_as)
       SELECT o.id, o.job_name, 'LOST', o.assigned_worker, o.attempt, o.next_run_time,
              COALESCE(o.claimed_at, c.now), c.now,
              LEAST(GREATEST(c.now - COALESCE(o.claimed_at, c.now), 0), ${INT_MAX})::int, NULL,
              ${workerLostMessageSql('o.assigned_worker')},
              o.output, NULL, o.run_as
         FROM orphans o CROSS JOIN clock c
       RETURNING id, task_id
     ),
     requeued AS (
       UPDATE ${t.task} t
          SET status = CASE WHEN ${requeue} THEN 'QUEUED' ELSE 'FAILED' END,
              next_run_time = CASE WHEN ${requeue} THEN c.now ELSE t.next_run_time END,
              attempt = CASE WHEN o.schedule IS NOT NULL THEN 0 ELSE t.attempt END,
              times_failed = t.times_failed + 1,
              assigned_worker = NULL, claim_token = NULL, claimed_at = NULL,
              progress = NULL, progress_message = NULL, output = NULL, updated_at = c.now
         FROM orphans o CROSS JOIN clock c
        WHERE t.id = o.id
       RETURNING t.id, t.status
     ),
     gone AS (
       DELETE FROM ${t.worker}
        WHERE name IN (SELECT w.name FROM ${t.worker} w CROSS JOIN clock c
                        WHERE w.last_heartbeat < c.now - $1::bigint
                          AND NOT EXISTS (SELECT 1 FROM ${t.task} t
                                           WHERE t.assigned_worker = w.name AND t.status = 'RUNNING'
                                             AND NOT EXISTS (SELECT 1 FROM orphans o WHERE o.id = t.id))
                          FOR UPDATE OF w SKIP LOCKED)
     )
     SELECT o.id, o.job_name, o.assigned_worker, o.attempt, o.run_as, r.status, l.id AS run_id, c.now,
            o.uuid, o.next_run_time, CASE WHEN r.status = 'FAILED' THEN o.payload END AS payload
       FROM orphans o
       JOIN requeued r ON r.id = o.id
       JOIN lost l ON l.task_id = o.id
       CROSS JOIN clock c`,
  );
}

interface RescuedRow {
  id: string;
  uuid: string;
  next_run_time: string;
  payload: string | null;
  job_name: string;
  assigned_worker: string | null;
  attempt: number;
  run_as: string | null;
  status: 'QUEUED' | 'FAILED';
  run_id: number;
  now: string;
}

/**
 * One row per rescued attempt (as many as were rescued, usually none), counted here. With
 * `deadLetters` (`pool` is then a transaction's connection), the dead letters of the tasks failed
 * are queued by `deadLetters.enqueue` before that transaction commits.
 */
export async function rescueOrphans(
  pool: Pool,
  sql: Statement,
  deadAfterMs: number,
  now: Instant,
  lost?: LostRun[],
  deadLetters?: { routes: DeadLetterRoutes; enqueue: (letters: NewTask[]) => Promise<unknown> },
): Promise<RescueReport> {
  const { rows } = await poolQuery<RescuedRow>(pool, sql, [Math.floor(deadAfterMs), now]);
  const report: RescueReport = { requeued: 0, failed: 0 };
  const letters: NewTask[] = [];
  for (const r of rows) {
    if (r.status === 'QUEUED') report.requeued++;
    else report.failed++;
    const letter =
      r.status === 'FAILED' && deadLetters
        ? lostDeadLetter(
            {
              id: num(r.id),
              uuid: r.uuid,
              jobName: r.job_name,
              payload: r.payload,
              scheduledFor: num(r.next_run_time),
              runAs: r.run_as,
              attempt: num(r.attempt),
              worker: r.assigned_worker,
            },
            deadLetters.routes,
            num(r.now),
          )
        : null;
    if (letter) letters.push(letter);
    lost?.push({
      taskId: num(r.id),
      runId: num(r.run_id),
      jobName: r.job_name,
      attempt: num(r.attempt),
      runAs: r.run_as,
      worker: r.assigned_worker,
      taskStatus: r.status,
      at: num(r.now),
    });
  }
  if (letters.length > 0) await deadLetters!.enqueue(letters);
  return report;
}
