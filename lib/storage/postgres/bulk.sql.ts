import type { Pool } from 'pg';
import type { BulkTaskAction, Instant } from '../engine.js';
import { bulkDeletable, bulkUpdates } from '../bulk-tasks.js';
import { DB_NOW_MS, num, poolQuery, unnamedStatement } from './sql.js';
import type { PgTables } from './tables.js';

/** One batch of a bulk action in one statement (its own transaction): data-modifying CTEs. */
export async function bulkTasks(pool: Pool, t: PgTables, action: BulkTaskAction, ids: number[], now: Instant): Promise<number> {
  if (ids.length === 0) return 0;
  const at = `COALESCE($2::bigint, ${DB_NOW_MS})`;
  const set = (ids: string) => bulkUpdates(action as Exclude<BulkTaskAction, 'delete'>, ids, at);
  const text =
    action === 'delete'
      ? `WITH gone AS (DELETE FROM ${t.task} WHERE ${bulkDeletable('(SELECT unnest($1::int[]))')} RETURNING "id"),
           runs AS (DELETE FROM ${t.run} WHERE "task_id" IN (SELECT "id" FROM gone))
         SELECT count(*) AS n, $2::bigint IS NULL AS unused FROM gone`
      : `WITH ${set('(SELECT unnest($1::int[]))')
          .map((part, i) => `c${i} AS (UPDATE ${t.task} ${part} RETURNING 1)`)
          .join(', ')}
         SELECT ${set('').map((_, i) => `(SELECT count(*) FROM c${i})`).join(' + ')} AS n`;
  const { rows } = await poolQuery<{ n: string }>(pool, unnamedStatement('bulk', text), [ids, now]);
  return num(rows[0]?.n ?? 0);
}
