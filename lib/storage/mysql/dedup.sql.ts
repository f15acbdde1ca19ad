import { runDedupFlow, type StepResult } from '../dedup-flow.js';
import type { DedupRequest, NewTask, UniqueEnqueueResult } from '../engine.js';
import { ER_DUP_ENTRY, errno, type Session } from './connection.js';
import { CLOCK, DB_NOW_MS, type MysqlTables } from './sql.js';

const INSERT_COLUMNS = `uuid, job_name, payload, status, group_name, priority, next_run_time, stop_time, timeout_ms,
                        retries, attempt, times_run, times_failed, repeats, schedule, run_as, queued_by,
                        stop_requested, created_at, updated_at, trace_context, dedup_key, dedup_until`;

/**
 * `enqueueUnique` on MySQL/MariaDB (the flow: lib/storage/dedup-flow.ts). Each step is one
 * statement: in autocommit on the engine's own connection (no lock outlives its statement; a
 * statement that loses InnoDB's duplicate-key deadlock, when enqueuers race for a key whose
 * holder is being freed, changed nothing and is sent again), or in the caller's transaction,
 * where such a deadlock rolls the caller's transaction back and reaches the caller, as any
 * deadlock in its transaction does. A plain INSERT
 * whose duplicate-key error says "skipped" (not `INSERT IGNORE`, which would also swallow
 * truncation); reads of the holder are locking reads, which see the latest committed row even in
 * a REPEATABLE READ transaction whose snapshot predates it; UPDATEs repeat their condition.
 * The `dedup_key` column compares bytes (utf8mb4_bin), as on the other databases.
 */
export function enqueueUniqueOn(
  session: Session,
  t: MysqlTables,
  task: NewTask,
  dedup: DedupRequest,
): Promise<UniqueEnqueueResult> {
  const now = dedup.now;
  return runDedupFlow(task, dedup, async (step): Promise<StepResult> => {
    switch (step.kind) {
      case 'insert':
        try {
          const result = await session.write(
            `INSERT INTO ${t.task} (${INSERT_COLUMNS})
             VALUES (?, ?, ?, 'QUEUED', ?, ?, ${CLOCK}, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, 0, ${DB_NOW_MS}, ${DB_NOW_MS}, ?, ?, ${CLOCK} + ?)`,
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
              now,
              dedup.windowMs,
            ],
          );
          return { rows: [{ id: result.insertId }], affected: 1 };
        } catch (error) {
          if (errno(error) !== ER_DUP_ENTRY) throw error;
          return { rows: [], affected: 0 };
        }
      case 'holder': {
        const rows = await session.rows(
          `SELECT id, uuid, job_name, payload, run_as, dedup_until > ${CLOCK} AS live
             FROM ${t.task} WHERE job_name = ? AND dedup_key = ? LOCK IN SHARE MODE`,
          [now, task.jobName, dedup.key],
        );
        return { rows, affected: rows.length };
      }
      case 'byUuid': {
        const rows = await session.rows(
          `SELECT id, uuid, job_name, payload, run_as FROM ${t.task} WHERE uuid = ? LOCK IN SHARE MODE`,
          [task.uuid],
        );
        return { rows, affected: rows.length };
      }
      case 'extend': {
        const result = await session.write(
          `UPDATE ${t.task} SET dedup_until = ${CLOCK} + ? WHERE id = ? AND dedup_key = ? AND dedup_until > ${CLOCK}`,
          [now, dedup.windowMs, step.id, dedup.key, now],
        );
        return { rows: [], affected: result.affectedRows };
      }
      case 'replace': {
        const result = await session.write(
          `UPDATE ${t.task} SET payload = ?, next_run_time = ${CLOCK}, stop_time = ?, updated_at = ${DB_NOW_MS}
            WHERE id = ? AND dedup_key = ? AND status = 'QUEUED' AND dedup_until > ${CLOCK}`,
          [task.payload, task.nextRunTime, task.stopTime, step.id, dedup.key, now],
        );
        return { rows: [], affected: result.affectedRows };
      }
      case 'free': {
        const result = await session.write(
          `UPDATE ${t.task} SET dedup_key = NULL WHERE id = ? AND dedup_key = ? AND dedup_until <= ${CLOCK}`,
          [step.id, dedup.key, now],
        );
        return { rows: [], affected: result.affectedRows };
      }
    }
  });
}
