import { FINISHED, recordedRun, RUN_FEED_COLUMNS, type RecordedRun } from '../run-feed.js';
import type { MysqlConnections } from './connection.js';
import { quoteIdent, type MysqlTables } from './sql.js';

/** Finished runs with an id above `afterId`, oldest first (the run table's primary key). */
export function runsAfter(
  db: MysqlConnections,
  tables: MysqlTables,
  afterId: number,
  limit: number,
): Promise<RecordedRun[]> {
  return db.autocommit(async (session) => {
    const rows = await session.rows(
      `SELECT ${RUN_FEED_COLUMNS(quoteIdent)} FROM ${tables.run} r LEFT JOIN ${tables.task} t ON t.\`id\` = r.\`task_id\`
       WHERE r.\`id\` > ? AND r.\`status\` IN (${FINISHED}) ORDER BY r.\`id\` LIMIT ?`,
      [afterId, limit],
    );
    return (rows as Record<string, unknown>[]).map(recordedRun);
  });
}

/** The highest run id, 0 for none. */
export function lastRunId(db: MysqlConnections, tables: MysqlTables): Promise<number> {
  return db.autocommit(async (session) => {
    const [row] = (await session.rows(`SELECT MAX(\`id\`) AS id FROM ${tables.run}`, [])) as { id: unknown }[];
    return Number(row?.id ?? 0);
  });
}
