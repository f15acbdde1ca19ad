import type { Pool } from 'pg';
import type { PgTables } from './tables.js';
import { ensureTaskFillfactor } from './task-fillfactor.sql.js';

export const CLAIM_INDEX = 'kronos_task_due';

/**
 * The claim index: partial, so finished history never enters it, and ordered like the claim.
 * Checked through the catalog first because CREATE INDEX takes a SHARE lock on the table even
 * when the index exists, which would queue behind any open transaction that wrote a task.
 * The task table's fillfactor is checked on the same occasion (`ensureTaskFillfactor`).
 */
export async function ensureClaimIndex(pool: Pool, t: PgTables): Promise<void> {
  await ensureTaskFillfactor(pool, t);
  const exists = await pool.query(
    'SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass AND c.relname = $2',
    [t.task, CLAIM_INDEX],
  );
  if ((exists.rowCount ?? 0) > 0) return;
  try {
    await pool.query(
      `CREATE INDEX IF NOT EXISTS ${CLAIM_INDEX} ON ${t.task} (group_name, priority DESC, next_run_time, id) WHERE status = 'QUEUED'`,
    );
  } catch (error) {
    // Two nodes starting at once: the loser's catalog insert collides with the winner's index.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
}
