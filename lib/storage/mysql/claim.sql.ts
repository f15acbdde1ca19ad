import { randomUUID } from 'node:crypto';
import { claimedTaskFromRow } from '../claimed-task-row.js';
import type { ClaimedTask, ClaimRequest } from '../engine.js';
import type { MysqlConnections } from './connection.js';
import { groupRateTable } from '../../migrations/group-table.js';
import { judgeClaim, type StoredRate } from '../rate-window.js';
import { CLAIM_INDEX } from './claim-index.sql.js';
import { CLOCK, type MysqlTables, num } from './sql.js';

export interface ClaimStatements {
  due: string;
  take: string;
  read: string;
  /** Jobs with a concurrency limit: serialise their claimers on the definition row, then count. */
  lockJob: string;
  running: string;
  /** Jobs with a rate limit: lock the definition row, read its window, count and the clock. */
  lockRate: string;
  /** Store the window and its count after a rate-limited claim. */
  saveRate: string;
  /** Groups with a rate limit: lock the group's row, read its window, count and the clock. */
  lockGroupRate: string;
  /** A group's first rate-limited claim creates its row (autocommit, before the claim's transaction). */
  createGroupRate: string;
  /** Store the group's window and its count after the claim. */
  saveGroupRate: string;
}

/**
 * MySQL cannot UPDATE through a `LIMIT`ed sub-select of the same table, nor return what an UPDATE
 * changed (MariaDB has no UPDATE ... RETURNING either), so a claim is three statements in one
 * transaction:
 *
 * - `due` picks due rows in claim order and locks them. SKIP LOCKED makes concurrent claimers
 *   pass over each other's rows instead of queueing behind them. The scan follows the claim index
 *   `kronos_task_due (status, group_name, priority DESC, next_run_time, id)`, so for one group it
 *   stops after `limit` rows however much history the table keeps. The NOT EXISTS on the job table
 *   is a plain read: a locking clause never reaches a subquery (MySQL documents it, MariaDB does
 *   the same), so a job row another session holds cannot be "skipped" into looking absent. The
 *   clock is fixed for the statement; it is read here and reused below.
 * - Every claim walks the claim index (FORCE INDEX), never another: claimers then lock the same
 *   index entries in the same order, and SKIP LOCKED passes over what another claim holds. Left
 *   to the optimizer, one claim could walk the status index while another walks the claim index;
 *   MariaDB then waits for the row behind an index entry it locked (SKIP LOCKED or not), while
 *   the other claim's UPDATE waits for that index entry: a deadlock.
 * - `take` moves exactly the locked rows to RUNNING under a fresh claim token.
 * - `read` hands them back in claim order.
 */
export function claimStatements(t: MysqlTables): ClaimStatements {
  return {
    due: `SELECT t.id, ${CLOCK} AS now
            FROM ${t.task} t FORCE INDEX (${CLAIM_INDEX})
           WHERE t.status = 'QUEUED'
             AND t.next_run_time <= ${CLOCK}
             AND (t.stop_time IS NULL OR t.stop_time > ${CLOCK})
             AND t.group_name IN (?)
             AND t.job_name IN (?)
             AND NOT EXISTS (SELECT 1 FROM ${t.job} j WHERE j.name = t.job_name AND (j.active = 0 OR j.missing = 1))
           ORDER BY t.priority DESC, t.next_run_time, t.id
           LIMIT ?
             FOR UPDATE SKIP LOCKED`,
    take: `UPDATE ${t.task}
              SET status = 'RUNNING', assigned_worker = ?, claim_token = ?, claimed_at = ?, attempt = attempt + 1,
                  progress = NULL, progress_message = NULL, output = NULL, stop_requested = 0, updated_at = ?
            WHERE id IN (?)`,
    read: `SELECT id, uuid, job_name, payload, group_name, priority, timeout_ms, retries, attempt, times_run,
                  times_failed, repeats, schedule, next_run_time, run_as, claim_token, trace_context
             FROM ${t.task}
            WHERE id IN (?)
            ORDER BY priority DESC, next_run_time, id`,
    lockJob: `SELECT name FROM ${t.job} WHERE name = ? FOR UPDATE`,
    running: `SELECT COUNT(*) AS n FROM ${t.task} WHERE job_name = ? AND status = 'RUNNING'`,
    lockRate: `SELECT rate_window, rate_count, ${CLOCK} AS now FROM ${t.job} WHERE name = ? FOR UPDATE`,
    saveRate: `UPDATE ${t.job} SET rate_window = ?, rate_count = ? WHERE name = ?`,
    lockGroupRate: `SELECT rate_window, rate_count, ${CLOCK} AS now FROM ${groupRateTable(t.task)} WHERE name = ? FOR UPDATE`,
    createGroupRate: `INSERT IGNORE INTO ${groupRateTable(t.task)} (name, rate_count) VALUES (?, 0)`,
    saveGroupRate: `UPDATE ${groupRateTable(t.task)} SET rate_window = ?, rate_count = ? WHERE name = ?`,
  };
}

/** What a group-rate-limited claim meets when the group has no row yet. */
const NO_GROUP_ROW = Symbol('no group rate row');

export async function claimTasks(
  db: MysqlConnections,
  sql: ClaimStatements,
  request: ClaimRequest,
): Promise<ClaimedTask[]> {
  const limit = Math.floor(request.limit);
  if (limit <= 0 || request.groups.length === 0 || request.jobNames.length === 0) return [];
  const claimed = await claimOnce(db, sql, request, limit);
  if (claimed !== NO_GROUP_ROW) return claimed;
  // The group's first rate-limited claim: its row is created on its own (INSERT IGNORE in a
  // transaction that then locks the row would hold a shared lock that two claimers could both
  // want to upgrade: a deadlock), then the claim runs again.
  await db.autocommit((session) => session.write(sql.createGroupRate, [request.groupRate!.group]));
  const again = await claimOnce(db, sql, request, limit);
  return again === NO_GROUP_ROW ? [] : again;
}

/**
 * One claim transaction. Locks, in this order and only those the request asks for: the job's
 * definition row (rate or concurrency limit), then the group's rate row; then claims.
 */
async function claimOnce(
  db: MysqlConnections,
  sql: ClaimStatements,
  request: ClaimRequest,
  limit: number,
): Promise<ClaimedTask[] | typeof NO_GROUP_ROW> {
  const token = randomUUID();
  return db.transaction(async (session) => {
    let now = request.now;
    let room = limit;
    let job: StoredRate | null = null;
    let group: StoredRate | null = null;
    if (request.rate !== undefined) {
      // The window and its count, read under the lock that serialises the job's claimers.
      const [row] = await session.rows(sql.lockRate, [now, request.jobNames[0]]);
      if (!row) return [];
      job = { rate: request.rate, window: row.rate_window, count: row.rate_count };
      now = num(row.now);
      if (judgeClaim(now, job, null).room <= 0) return [];
    } else if (request.maxRunning !== undefined) {
      await session.rows(sql.lockJob, [request.jobNames[0]]);
    }
    if (request.groupRate !== undefined) {
      // The group's window and count, under the lock that serialises the group's claimers.
      const [row] = await session.rows(sql.lockGroupRate, [now, request.groupRate.group]);
      if (!row) return NO_GROUP_ROW;
      group = { rate: request.groupRate, window: row.rate_window, count: row.rate_count };
      now = num(row.now);
    }
    const judged = job || group ? judgeClaim(now!, job, group) : null;
    if (judged) {
      room = Math.min(room, judged.room);
      if (room <= 0) return [];
      now = judged.at; // the claim's clock is the one the windows were judged by
    }
    if (request.maxRunning !== undefined) {
      // READ COMMITTED: the count after the lock sees every claim committed before ours.
      const [{ n }] = await session.rows(sql.running, [request.jobNames[0]]);
      room = Math.min(room, request.maxRunning - num(n));
      if (room <= 0) return [];
    }
    const due = await session.rows(sql.due, [now, now, now, request.groups, request.jobNames, room]);
    if (due.length === 0) return [];
    const ids = due.map((row) => num(row.id));
    const at = num(due[0].now);
    await session.write(sql.take, [request.worker, token, at, at, ids]);
    if (judged?.job)
      await session.write(sql.saveRate, [judged.job.window, judged.job.used + ids.length, request.jobNames[0]]);
    if (judged?.group)
      await session.write(sql.saveGroupRate, [
        judged.group.window,
        judged.group.used + ids.length,
        request.groupRate!.group,
      ]);
    return (await session.rows(sql.read, [ids])).map((row) => claimedTaskFromRow(row));
  });
}
