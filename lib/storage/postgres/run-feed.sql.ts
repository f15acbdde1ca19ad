import type { Pool } from 'pg';
import { FINISHED, recordedRun, RUN_FEED_COLUMNS, type RecordedRun } from '../run-feed.js';
import { quoteIdent, type PgTables } from './tables.js';

/** The channel of cluster task events (`events: { cluster: true }`); wake-ups use `kronos_task`. */
export const EVENT_CHANNEL = 'kronos_task_event';

/** Finished runs with an id above `afterId`, oldest first (the run table's primary key); unnamed statements. */
export async function runsAfter(pool: Pool, tables: PgTables, afterId: number, limit: number): Promise<RecordedRun[]> {
  const { rows } = await pool.query(
    `SELECT ${RUN_FEED_COLUMNS(quoteIdent)} FROM ${tables.run} r LEFT JOIN ${tables.task} t ON t."id" = r."task_id"
     WHERE r."id" > $1 AND r."status" IN (${FINISHED}) ORDER BY r."id" LIMIT $2`,
    [afterId, limit],
  );
  return rows.map(recordedRun);
}

/** The highest run id, 0 for none. */
export async function lastRunId(pool: Pool, tables: PgTables): Promise<number> {
  const { rows } = await pool.query<{ id: string | null }>(`SELECT MAX("id") AS id FROM ${tables.run}`);
  return Number(rows[0]?.id ?? 0);
}

/** One NOTIFY per payload on the event channel, in one round trip. */
export async function notifyTaskEvents(pool: Pool, payloads: string[]): Promise<void> {
  if (payloads.length === 0) return;
  await pool.query(`SELECT pg_notify('${EVENT_CHANNEL}', p) FROM unnest($1::text[]) AS p`, [payloads]);
}
