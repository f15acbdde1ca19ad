import type { Pool } from 'pg';
import type { ClaimedTask, ClaimRequest } from '../engine.js';
import { groupRateTable } from '../../migrations/group-table.js';
import { judgeClaim, type StoredRate } from '../rate-window.js';
import { claimTasks, type ClaimStatements } from './claim.sql.js';
import { DB_NOW_MS } from './sql.js';
import type { PgTables } from './tables.js';

/**
 * A claim for a job with a cluster-wide concurrency or rate limit, or for a group with a rate
 * limit. Locking the job's definition row serialises the claimers of that job, locking the
 * group's row of `kronos_task_group_rate` the claimers of that group (always in that order: job,
 * then group, so two claims never wait on each other crosswise); READ COMMITTED gives the count
 * that follows a fresh snapshot taken after the lock, so it sees every claim committed before
 * ours. A rate limit reads its window and count from the locked row (with the clock the window is
 * judged by: the first row read fixes it for the other) and writes them back in the same
 * transaction. Only limited jobs and groups take this path: the hot path stays one statement.
 */
export async function claimLimitedTasks(
  pool: Pool,
  t: PgTables,
  claim: ClaimStatements,
  request: ClaimRequest,
): Promise<ClaimedTask[]> {
  const [job] = request.jobNames;
  const { rate, maxRunning, groupRate } = request;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    let room = request.limit;
    let jobRate: StoredRate | null = null;
    let groupRow: StoredRate | null = null;
    let now = request.now;
    if (rate) {
      const { rows } = await client.query<{ rate_window: string | null; rate_count: number; now: string }>(
        `SELECT rate_window, rate_count, COALESCE($2::bigint, ${DB_NOW_MS}) AS now FROM ${t.job} WHERE name = $1 FOR UPDATE`,
        [job, request.now],
      );
      if (rows.length === 0) room = 0;
      else {
        jobRate = { rate, window: rows[0].rate_window, count: rows[0].rate_count };
        now = Number(rows[0].now);
        room = Math.min(room, judgeClaim(now, jobRate, null).room);
      }
    } else if (maxRunning !== undefined) {
      await client.query(`SELECT 1 FROM ${t.job} WHERE name = $1 FOR UPDATE`, [job]);
    }
    if (groupRate && room > 0) {
      const g = groupRateTable(t.task);
      const lock = () =>
        client.query<{ rate_window: string | null; rate_count: number; now: string }>(
          `SELECT rate_window, rate_count, COALESCE($2::bigint, ${DB_NOW_MS}) AS now FROM ${g} WHERE name = $1 FOR UPDATE`,
          [groupRate.group, now],
        );
      let { rows } = await lock();
      if (rows.length === 0) {
        // The group's first rate-limited claim: create its row (a concurrent creator wins the
        // same way), then lock it.
        await client.query(`INSERT INTO ${g} (name, rate_count) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`, [
          groupRate.group,
        ]);
        ({ rows } = await lock());
      }
      groupRow = { rate: groupRate, window: rows[0].rate_window, count: rows[0].rate_count };
      now = Number(rows[0].now);
    }
    // Both windows judged at one instant, the claim's clock (see judgeClaim).
    const judged = room > 0 && (jobRate || groupRow) ? judgeClaim(now!, jobRate, groupRow) : null;
    if (judged) {
      room = Math.min(room, judged.room);
      now = judged.at;
    }
    if (maxRunning !== undefined && room > 0) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t.task} WHERE job_name = $1 AND status = 'RUNNING'`,
        [job],
      );
      room = Math.min(room, maxRunning - rows[0].n);
    }
    const claimed =
      room > 0 ? await claimTasks(client as unknown as Pool, claim, { ...request, limit: room, now }) : [];
    if (judged?.job && claimed.length > 0) {
      await client.query(`UPDATE ${t.job} SET rate_window = $2, rate_count = $3 WHERE name = $1`, [
        job,
        judged.job.window,
        judged.job.used + claimed.length,
      ]);
    }
    if (groupRate && judged?.group && claimed.length > 0) {
      await client.query(`UPDATE ${groupRateTable(t.task)} SET rate_window = $2, rate_count = $3 WHERE name = $1`, [
        groupRate.group,
        judged.group.window,
        judged.group.used + claimed.length,
      ]);
    }
    await client.query('COMMIT');
    return claimed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
