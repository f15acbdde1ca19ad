import type { Pool } from 'pg';
import { flowTables } from '../../migrations/flow-tables.js';
import type { BulkTaskAction, Instant } from '../engine.js';
import {
  bulkDeletable,
  bulkStoppedAtOnce,
  bulkUpdates,
  deleteDependencies,
  deleteEmptyBatches,
  type BulkTables,
} from '../bulk-tasks.js';
import { DB_NOW_MS, num } from './sql.js';
import type { PgTables } from './tables.js';

const IDS = '(SELECT unnest($1::int[]))';

/**
 * One batch of a bulk action in one short transaction on one pooled connection. The ids of the
 * tasks a stop ended at once are pushed to `stopped` (their flow is settled after).
 */
export async function bulkTasks(
  pool: Pool,
  tables: PgTables,
  action: BulkTaskAction,
  ids: number[],
  now: Instant,
  stopped: number[] = [],
): Promise<number> {
  if (ids.length === 0) return 0;
  const t: BulkTables = { task: tables.task, run: tables.run, ...flowTables(tables.task) };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    let changed = 0;
    if (action === 'delete') {
      // Locks the rows it deletes; runs and dependency edges go with them, then emptied batches.
      const { rows } = await client.query<{ id: number; batch_id: string | null }>(
        `WITH gone AS (DELETE FROM ${t.task} WHERE "id" IN (SELECT tk."id" FROM ${t.task} AS tk WHERE ${bulkDeletable(t, IDS)} FOR UPDATE) RETURNING "id", "batch_id")
         SELECT "id", "batch_id" FROM gone`,
        [ids],
      );
      if (rows.length > 0) {
        const gone = rows.map((row) => num(row.id));
        await client.query(`DELETE FROM ${t.run} WHERE "task_id" = ANY($1::int[])`, [gone]);
        await client.query(deleteDependencies(t, IDS), [gone]);
        const batches = [...new Set(rows.filter((row) => row.batch_id !== null).map((row) => num(row.batch_id)))];
        if (batches.length > 0) await client.query(deleteEmptyBatches(t, IDS), [batches]);
      }
      changed = rows.length;
    } else {
      if (action === 'stop')
        for (const row of (await client.query<{ id: number }>(`${bulkStoppedAtOnce(t, IDS)} FOR UPDATE`, [ids])).rows)
          stopped.push(num(row.id));
      const statements = bulkUpdates(action, t, IDS, `COALESCE($2::bigint, ${DB_NOW_MS})`);
      for (const statement of statements) changed += (await client.query(statement, [ids, now])).rowCount ?? 0;
      if (action === 'retry') {
        // A chain retried together: each run puts the next link back to WAITING.
        for (let more = 1; more > 0; changed += more)
          more = (await client.query(statements[statements.length - 1], [ids, now])).rowCount ?? 0;
      }
    }
    await client.query('COMMIT');
    return changed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
