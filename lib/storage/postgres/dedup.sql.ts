import type { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import { runDedupFlow, type DedupStep, type StepResult } from '../dedup-flow.js';
import type { DedupRequest, NewTask, UniqueEnqueueResult } from '../engine.js';
import type { PgTables } from './tables.js';
import { CHANNEL, DB_NOW_MS, managerQuery, poolQuery, type MakeStatement, type Statement } from './sql.js';

export interface DedupStatements {
  insert: Statement;
  holder: Statement;
  byUuid: Statement;
  extend: Statement;
  replace: Statement;
  free: Statement;
}

/** `now` of a step: the instant given (a test clock), else the database clock. */
const NOW = (n: number) => `COALESCE($${n}::bigint, ${DB_NOW_MS})`;

/**
 * The steps of `enqueueUnique` (lib/storage/dedup-flow.ts) on PostgreSQL, each one statement in
 * autocommit or in the caller's transaction. `ON CONFLICT DO NOTHING` without a target skips on
 * the uuid index and on the partial (job, dedup_key) index alike, and waits for a concurrent
 * insert of the same key to commit or roll back first. UPDATEs repeat their condition in WHERE:
 * at READ COMMITTED a row changed meanwhile is re-checked in its new version, so an extend and a
 * free racing on one holder cannot both succeed.
 */
export function dedupStatements(t: PgTables, statement: MakeStatement): DedupStatements {
  return {
    insert: statement(
      'enqueue_unique',
      `WITH clock AS (SELECT ${NOW(16)} AS now, ${DB_NOW_MS} AS db_now),
       inserted AS (
       INSERT INTO ${t.task} (uuid, job_name, payload, status, group_name, priority, next_run_time, stop_time,
                              timeout_ms, retries, attempt, times_run, times_failed, repeats, schedule, run_as,
                              queued_by, stop_requested, created_at, updated_at, trace_context, dedup_key, dedup_until)
       SELECT $1, $2, $3, 'QUEUED', $4, $5::int, COALESCE($6::bigint, c.db_now), $7::bigint, $8::int, $9::int, 0, 0, 0,
              $10::int, $11, $12, $13, false, c.db_now, c.db_now, $14, $15, c.now + $17::bigint
         FROM clock c
       ON CONFLICT DO NOTHING
       RETURNING id
       )
       SELECT id FROM inserted WHERE (SELECT pg_notify('${CHANNEL}', NULL)::text) = ''`,
    ),
    holder: statement(
      'dedup_holder',
      `SELECT id, uuid, job_name, payload, run_as, dedup_until > ${NOW(3)} AS live
         FROM ${t.task} WHERE job_name = $1 AND dedup_key = $2`,
    ),
    byUuid: statement('dedup_by_uuid', `SELECT id, uuid, job_name, payload, run_as FROM ${t.task} WHERE uuid = $1`),
    extend: statement(
      'dedup_extend',
      `UPDATE ${t.task} SET dedup_until = ${NOW(3)} + $4::bigint
        WHERE id = $5 AND job_name = $1 AND dedup_key = $2 AND dedup_until > ${NOW(3)}
       RETURNING id`,
    ),
    replace: statement(
      'dedup_replace',
      `UPDATE ${t.task} SET payload = $4, next_run_time = COALESCE($6::bigint, ${DB_NOW_MS}), stop_time = $7::bigint,
              updated_at = ${DB_NOW_MS}
        WHERE id = $5 AND job_name = $1 AND dedup_key = $2 AND status = 'QUEUED' AND dedup_until > ${NOW(3)}
       RETURNING id`,
    ),
    free: statement(
      'dedup_free',
      `UPDATE ${t.task} SET dedup_key = NULL
        WHERE id = $4 AND job_name = $1 AND dedup_key = $2 AND dedup_until <= ${NOW(3)}
       RETURNING id`,
    ),
  };
}

/** The statement and values of one step of the flow. */
function stepQuery(sql: DedupStatements, task: NewTask, dedup: DedupRequest, step: DedupStep): [Statement, unknown[]] {
  const where = [task.jobName, dedup.key, dedup.now];
  switch (step.kind) {
    case 'insert':
      return [
        sql.insert,
        [
          task.uuid,
          task.jobName,
          task.payload,
          task.group,
          task.priority,
          task.nextRunTime,
          task.stopTime,
          task.timeoutMs,
          task.retries,
          task.repeats,
          task.schedule,
          task.runAs,
          task.queuedBy,
          task.traceContext ?? null,
          dedup.key,
          dedup.now,
          dedup.windowMs,
        ],
      ];
    case 'holder':
      return [sql.holder, where];
    case 'byUuid':
      return [sql.byUuid, [task.uuid]];
    case 'extend':
      return [sql.extend, [...where, dedup.windowMs, step.id]];
    case 'replace':
      return [sql.replace, [...where, task.payload, step.id, task.nextRunTime, task.stopTime]];
    case 'free':
      return [sql.free, [...where, step.id]];
  }
}

/** `enqueueUnique` in autocommit, statement by statement on the pool. */
export function enqueueUniqueWithPool(
  pool: Pool,
  sql: DedupStatements,
  task: NewTask,
  dedup: DedupRequest,
): Promise<UniqueEnqueueResult> {
  return runDedupFlow(task, dedup, async (step): Promise<StepResult> => {
    const [statement, values] = stepQuery(sql, task, dedup, step);
    const { rows } = await poolQuery<Record<string, unknown>>(pool, statement, values);
    return { rows, affected: rows.length };
  });
}

/** `enqueueUnique` inside the caller's transaction (the wake-up is delivered at its COMMIT). */
export function enqueueUniqueWithManager(
  manager: EntityManager,
  sql: DedupStatements,
  task: NewTask,
  dedup: DedupRequest,
): Promise<UniqueEnqueueResult> {
  return runDedupFlow(task, dedup, async (step): Promise<StepResult> => {
    const [statement, values] = stepQuery(sql, task, dedup, step);
    const rows = await managerQuery<Record<string, unknown>>(manager, statement, values);
    return { rows, affected: rows.length };
  });
}
