import type { Pool } from 'pg';
import type { ClaimedTask, ClaimRequest } from '../engine.js';
import { claimTasks, type ClaimStatements } from './claim.sql.js';
import type { PgTables } from './tables.js';

/**
 * A claim for a job with a cluster-wide concurrency limit. Locking the job's definition row
 * serialises the claimers of that job; READ COMMITTED gives the count that follows a fresh
 * snapshot taken after the lock, so it sees every claim committed before ours. Only jobs with a
 * limit take this path: the hot path stays one statement.
 */
export async function claimLimitedTasks(pool: Pool, t: PgTables, claim: ClaimStatements, request: ClaimRequest): Promise<ClaimedTask[]> {
  const [job] = request.jobNames;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT 1 FROM ${t.job} WHERE name = $1 FOR UPDATE`, [job]);
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.task} WHERE job_name = $1 AND status = 'RUNNING'`, [job]);
    const room = Math.min(request.limit, (request.maxRunning ?? 0) - rows[0].n);
    const claimed = room > 0 ? await claimTasks(client as unknown as Pool, claim, { ...request, limit: room }) : [];
    await client.query('COMMIT');
    return claimed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
