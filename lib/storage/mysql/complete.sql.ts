import { carriesDeadLetters, writtenDeadLetters } from '../dead-letter-task.js';
import type { TaskOutcome } from '../engine.js';
import { insertTasks } from './enqueue.sql.js';
import type { MysqlConnections } from './connection.js';
import { lockLeases } from './leases.sql.js';
import { insertedRunIds } from './run-ids.sql.js';
import { DB_NOW_MS, duration, literalRows, type MysqlTables } from './sql.js';

const OUTCOME_COLUMNS = [
  'id',
  'status',
  'next_run_time',
  'delay_ms',
  'attempt',
  'times_run',
  'times_failed',
  'last_run_time',
] as const;

const RUN_COLUMNS = `task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time, duration_ms,
                     result, message, output, traceback, run_as`;

/**
 * The task update of a batch, one statement for any batch size: the outcomes travel as a derived
 * table of literal rows joined on the task id (the lease was checked, and the rows locked, by
 * `lockLeases`). A retry with no explicit next run time is due `delay_ms` after the database
 * clock, which is fixed for the statement, so every row of the batch sees the same "now".
 */
function updateStatement(t: MysqlTables, outcomes: readonly TaskOutcome[]): { sql: string; values: unknown[] } {
  const rows = literalRows(
    OUTCOME_COLUMNS,
    outcomes.map((o) => [
      o.taskId,
      o.taskStatus,
      o.nextRunTime,
      o.delayMs,
      o.nextAttempt,
      o.timesRun,
      o.timesFailed,
      o.stopTime,
    ]),
  );
  return {
    sql: `UPDATE ${t.task} t
            JOIN (${rows.sql}) o ON o.id = t.id
             SET t.status = o.status,
                 t.next_run_time = CASE WHEN o.status = 'QUEUED'
                                        THEN COALESCE(o.next_run_time, ${DB_NOW_MS} + o.delay_ms) ELSE t.next_run_time END,
                 t.attempt = o.attempt, t.times_run = o.times_run, t.times_failed = o.times_failed,
                 t.last_run_time = o.last_run_time, t.assigned_worker = NULL, t.claim_token = NULL,
                 t.claimed_at = NULL, t.progress = NULL, t.progress_message = NULL, t.output = NULL,
                 t.stop_requested = 0, t.updated_at = ${DB_NOW_MS}`,
    values: rows.values,
  };
}

const runRow = (o: TaskOutcome): unknown[] => [
  o.taskId,
  o.jobName,
  o.runStatus,
  o.worker,
  o.attempt,
  o.scheduledFor,
  o.startTime,
  o.stopTime,
  duration(o.startTime, o.stopTime),
  o.result,
  o.message,
  o.output,
  o.traceback,
  o.runAs,
];

/**
 * Write back a batch of finished attempts in one transaction of three statements: lock the tasks
 * and keep the outcomes whose claim token still matches (a rescued and re-claimed task has a new
 * one), update those tasks, and insert their run rows with one multi-row INSERT. Tasks completed
 * for good of `removeOnComplete` jobs are deleted instead of updated (a fourth statement), unless
 * a dedup window, dependencies or a batch still need the row. A worker that
 * lost its lease writes nothing at all; its task ids are returned. The dead letters the held
 * outcomes carry (last failures of jobs with a `deadLetter`) are inserted in the same
 * transaction; `letters` receives how many were created.
 */
export async function completeTasks(
  db: MysqlConnections,
  t: MysqlTables,
  outcomes: TaskOutcome[],
  runIds?: number[],
  flagged?: number[],
  letters?: { created: number },
): Promise<number[]> {
  if (outcomes.length === 0) return [];
  const { lost, written } = await db.transaction(async (session) => {
    flagged?.splice(0); // a deadlock runs the transaction again
    if (letters) letters.created = 0;
    const { held, lost } = await lockLeases(session, t, outcomes, flagged);
    let written: Map<number, number> | null = null;
    if (held.length > 0) {
      // removeOnComplete: the completed tasks whose rows nothing else needs go first; the update then skips them.
      const removable = held.filter((o) => o.removeTask === true).map((o) => o.taskId);
      if (removable.length > 0)
        await session.write(`DELETE FROM ${t.task} WHERE id IN (?) AND flow = 0 AND dedup_key IS NULL`, [removable]);
      const update = updateStatement(t, held);
      await session.write(update.sql, update.values);
      // `VALUES ?` with an array of rows: mysql2 writes one parenthesised tuple per row.
      const insert = await session.write(`INSERT INTO ${t.run} (${RUN_COLUMNS}) VALUES ?`, [held.map(runRow)]);
      if (runIds)
        written = await insertedRunIds(
          session,
          t,
          insert.insertId,
          held.map((o) => o.taskId),
        );
      if (carriesDeadLetters(held)) {
        const created = await insertTasks(session, t, writtenDeadLetters(held, []));
        if (letters) letters.created = created.filter((r) => r.created).length;
      }
    }
    return { lost, written };
  });
  // A task listed twice is held once (lockLeases): its run id goes to the first of its outcomes.
  if (runIds) {
    const held = new Set<number>();
    for (const o of outcomes) {
      const runId = held.has(o.taskId) ? undefined : written?.get(o.taskId);
      held.add(o.taskId);
      runIds.push(runId ?? 0);
    }
  }
  return lost;
}
