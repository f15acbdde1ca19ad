import { lostDeadLetter, type DeadLetterRoutes } from '../dead-letter-task.js';
import type { Instant, LostRun, NewTask, RescueReport } from '../engine.js';
import { insertTasks } from './enqueue.sql.js';
import { requeuesLostAttempt, workerLostMessage } from '../lost-attempt.js';
import type { MysqlConnections, Row } from './connection.js';
import { insertedRunIds } from './run-ids.sql.js';
import { CLOCK, duration, type MysqlTables, num, numOrNull } from './sql.js';

export interface RescueStatements {
  clock: string;
  candidates: string;
  orphans: string;
  lostRuns: string;
  requeue: string;
  fail: string;
  deadWorkers: string;
  removeWorkers: string;
}

/**
 * Rescue runs whose worker died, in one transaction:
 *
 * - `candidates` finds RUNNING tasks whose worker row stopped heartbeating, or has no row at all
 *   and claimed long enough ago (a worker may claim before its first heartbeat lands), with a
 *   plain read (no locks); `orphans` then locks those rows by primary key, testing every
 *   condition again on the latest committed row. Locks are so taken in the order every other
 *   statement takes them, the row before its index entries: a locking read filtered on status
 *   walks the status index, locking index entries before their rows, and deadlocks with
 *   completions, which lock rows first and then update their index entries (the same cause and
 *   fix as `expireStatement`). The worker tests are subqueries, never a LEFT JOIN: under SKIP
 *   LOCKED a joined worker row that a heartbeat holds would be skipped, and the task would look
 *   as if it had no worker at all. Subqueries are read without locks. SKIP LOCKED lets two
 *   rescuers run at once, each taking different rows; a row another rescuer already moved on is
 *   no longer RUNNING when locked.
 * - `lostRuns` records each attempt as a LOST run, keeping the output the worker had synced.
 * - `requeue` and `fail` apply the rule of lost-attempt.ts: recurring tasks back for an immediate
 *   run of a fresh occurrence, a one-off task retried while `attempt <= retries`, failed otherwise.
 * - `deadWorkers` / `removeWorkers` delete worker rows that are dead and have nothing RUNNING
 *   left (the tasks rescued above are already updated in this transaction). SKIP LOCKED again: a
 *   row a concurrent rescuer or heartbeat holds is left for the next round, not waited on.
 */
export function rescueStatements(t: MysqlTables): RescueStatements {
  const reset = `assigned_worker = NULL, claim_token = NULL, claimed_at = NULL, progress = NULL,
                 progress_message = NULL, output = NULL, times_failed = times_failed + 1, updated_at = ?`;
  // Both placeholders are the deadline (the database's now minus deadAfter).
  const orphaned = `(EXISTS (SELECT 1 FROM ${t.worker} w WHERE w.name = t.assigned_worker AND w.last_heartbeat < ?)
                     OR (NOT EXISTS (SELECT 1 FROM ${t.worker} w WHERE w.name = t.assigned_worker)
                         AND COALESCE(t.claimed_at, 0) < ?))`;
  return {
    clock: `SELECT ${CLOCK} AS now`,
    candidates: `SELECT t.id FROM ${t.task} t WHERE t.status = 'RUNNING' AND ${orphaned}`,
    orphans: `SELECT t.id, t.uuid, t.job_name, t.assigned_worker, t.claimed_at, t.attempt, t.retries, t.schedule,
                     t.next_run_time, t.output, t.run_as, t.payload
                FROM ${t.task} t FORCE INDEX (PRIMARY)
               WHERE t.id IN (?) AND t.status = 'RUNNING' AND ${orphaned}
               ORDER BY t.id
                 FOR UPDATE SKIP LOCKED`,
    lostRuns: `INSERT INTO ${t.run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                                     duration_ms, message, output, run_as) VALUES ?`,
    requeue: `UPDATE ${t.task}
                 SET status = 'QUEUED', next_run_time = ?, attempt = CASE WHEN schedule IS NULL THEN attempt ELSE 0 END,
                     ${reset}
               WHERE id IN (?)`,
    fail: `UPDATE ${t.task} SET status = 'FAILED', ${reset} WHERE id IN (?)`,
    deadWorkers: `SELECT w.name FROM ${t.worker} w
                   WHERE w.last_heartbeat < ?
                     AND NOT EXISTS (SELECT 1 FROM ${t.task} t WHERE t.assigned_worker = w.name AND t.status = 'RUNNING')
                     FOR UPDATE SKIP LOCKED`,
    removeWorkers: `DELETE FROM ${t.worker} WHERE name IN (?)`,
  };
}

const lostRun = (o: Row, now: number): unknown[] => {
  const start = numOrNull(o.claimed_at) ?? now;
  return [
    o.id,
    o.job_name,
    'LOST',
    o.assigned_worker,
    o.attempt,
    o.next_run_time,
    start,
    now,
    duration(start, now),
    workerLostMessage(o.assigned_worker as string | null),
    o.output,
    o.run_as,
  ];
};

const retries = (o: Row): boolean =>
  requeuesLostAttempt({ schedule: o.schedule, attempt: num(o.attempt), retries: num(o.retries) });

export async function rescueOrphans(
  db: MysqlConnections,
  sql: RescueStatements,
  tables: MysqlTables,
  deadAfterMs: number,
  at: Instant,
  lost?: LostRun[],
  deadLetters?: DeadLetterRoutes,
): Promise<RescueReport & { deadLetters: number }> {
  const { report, rescued } = await db.transaction(async (session) => {
    const now = num((await session.rows(sql.clock, [at]))[0].now);
    const deadline = now - Math.floor(deadAfterMs);
    const candidates = await session.rows(sql.candidates, [deadline, deadline]);
    const orphans =
      candidates.length === 0
        ? []
        : await session.rows(sql.orphans, [candidates.map((c) => num(c.id)), deadline, deadline]);
    const requeued = orphans.filter(retries).map((o) => num(o.id));
    const failed = orphans.filter((o) => !retries(o)).map((o) => num(o.id));
    let runIds = new Map<number, number>();
    if (orphans.length > 0) {
      const insert = await session.write(sql.lostRuns, [orphans.map((o) => lostRun(o, now))]);
      if (lost)
        runIds = await insertedRunIds(
          session,
          tables,
          insert.insertId,
          orphans.map((o) => num(o.id)),
        );
    }
    if (requeued.length > 0) await session.write(sql.requeue, [now, now, requeued]);
    if (failed.length > 0) await session.write(sql.fail, [now, failed]);
    // The dead letters of the tasks failed for good, in this transaction (idempotent by uuid).
    const letters: NewTask[] = [];
    for (const o of orphans) {
      if (retries(o)) continue;
      const letter = lostDeadLetter(
        {
          id: num(o.id),
          uuid: String(o.uuid),
          jobName: String(o.job_name),
          payload: o.payload as string | null,
          scheduledFor: num(o.next_run_time),
          runAs: o.run_as as string | null,
          attempt: num(o.attempt),
          worker: o.assigned_worker as string | null,
        },
        deadLetters,
        now,
      );
      if (letter) letters.push(letter);
    }
    const created = letters.length > 0 ? (await insertTasks(session, tables, letters)).filter((r) => r.created) : [];
    const dead = await session.rows(sql.deadWorkers, [deadline]);
    if (dead.length > 0) await session.write(sql.removeWorkers, [dead.map((w) => w.name)]);
    const rescued: LostRun[] = orphans.map((o) => ({
      taskId: num(o.id),
      runId: runIds.get(num(o.id)) ?? 0,
      jobName: String(o.job_name),
      attempt: num(o.attempt),
      runAs: o.run_as as string | null,
      worker: o.assigned_worker as string | null,
      taskStatus: retries(o) ? 'QUEUED' : 'FAILED',
      at: now,
    }));
    return { report: { requeued: requeued.length, failed: failed.length, deadLetters: created.length }, rescued };
  });
  lost?.push(...rescued);
  return report;
}
