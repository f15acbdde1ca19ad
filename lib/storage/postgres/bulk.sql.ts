import type { Pool } from 'pg';
import { flowTables } from '../../migrations/flow-tables.js';
import type { BulkTaskAction, Instant } from '../engine.js';
import {
  bulkDeletable,
  bulkStoppedAtOnce,
  bulkUpdates,
  deleteDependencies,
  deleteEmptyBatches,
  type BatchTerms,
  type BulkTables,
} from '../bulk-tasks.js';
import { DB_NOW_MS, num } from './sql.js';
import type { PgTables } from './tables.js';

/** The batch's ids, bound as one array (`$1`; the task id is an integer): an index condition on the primary key. */
const BATCH: BatchTerms = {
  isBatchId: (column) => `${column} = ANY($1::int[])`,
  status: (column) => `(${column} || '')`,
  perTask: ' OFFSET 0',
};

/** A list of ids bound as `$1`, for the dependency and batch tables. */
const IDS = '(SELECT unnest($1::int[]))';

/**
 * The statements one batch of `action` runs, in order, each bound to `[ids]` (`delete`, `lock`)
 * or `[ids, now]` (`updates`): `lock` selects and locks the tasks a stop ends at once; `updates`
 * are run in one transaction after it, the last of a retry's again while it changes rows.
 * Exposed so their plans can be checked (EXPLAIN): each finds its tasks by primary key.
 */
export function bulkStatements(t: BulkTables, action: BulkTaskAction): { lock?: string; updates: string[] } {
  if (action === 'delete')
    // Locks the rows it deletes; runs and dependency edges go with them, then emptied batches.
    return {
      updates: [
        `WITH gone AS (DELETE FROM ${t.task} WHERE "id" = ANY(ARRAY(SELECT tk."id" FROM ${t.task} AS tk WHERE ${bulkDeletable(t, BATCH)} FOR UPDATE)) RETURNING "id", "batch_id")
         SELECT "id", "batch_id" FROM gone`,
      ],
    };
  return {
    lock: action === 'stop' ? `${bulkStoppedAtOnce(t, BATCH)} FOR UPDATE` : undefined,
    updates: bulkUpdates(action, t, BATCH, `COALESCE($2::bigint, ${DB_NOW_MS})`),
  };
}

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
    const { lock, updates: statements } = bulkStatements(t, action);
    if (action === 'delete') {
      const { rows } = await client.query<{ id: number; batch_id: string | null }>(statements[0], [ids]);
      if (rows.length > 0) {
        const gone = rows.map((row) => num(row.id));
        await client.query(`DELETE FROM ${t.run} WHERE "task_id" = ANY($1::int[])`, [gone]);
        await client.query(deleteDependencies(t, IDS), [gone]);
        const batches = [...new Set(rows.filter((row) => row.batch_id !== null).map((row) => num(row.batch_id)))];
        if (batches.length > 0) await client.query(deleteEmptyBatches(t, IDS), [batches]);
      }
      changed = rows.length;
    } else {
      if (lock) for (const row of (await client.query<{ id: number }>(lock, [ids])).rows) stopped.push(num(row.id));
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
