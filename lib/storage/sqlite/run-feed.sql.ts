import type BetterSqlite3 from 'better-sqlite3';
import { FINISHED, recordedRun, RUN_FEED_COLUMNS, type RecordedRun } from '../run-feed.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Finished runs with an id above `afterId`, oldest first (the run table's primary key). */
export function runsAfter(
  db: BetterSqlite3.Database,
  tables: { task: string; run: string },
  afterId: number,
  limit: number,
): RecordedRun[] {
  const rows = db
    .prepare(
      `SELECT ${RUN_FEED_COLUMNS(quote)} FROM ${tables.run} r LEFT JOIN ${tables.task} t ON t."id" = r."task_id"
       WHERE r."id" > ? AND r."status" IN (${FINISHED}) ORDER BY r."id" LIMIT ?`,
    )
    .all(afterId, limit) as Record<string, unknown>[];
  return rows.map(recordedRun);
}

/** The highest run id, 0 for none. */
export function lastRunId(db: BetterSqlite3.Database, tables: { run: string }): number {
  const row = db.prepare(`SELECT MAX("id") AS id FROM ${tables.run}`).get() as { id: number | null };
  return Number(row.id ?? 0);
}
