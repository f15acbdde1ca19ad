import type { BulkTaskAction, Instant } from '../engine.js';
import { bulkDeletable, bulkUpdates } from '../bulk-tasks.js';
import type { MysqlConnections } from './connection.js';
import { DB_NOW_MS, type MysqlTables } from './sql.js';

const backticks = (sql: string): string => sql.replaceAll('"', '`');

/** One batch of a bulk action in one short transaction (mysql2 expands the id list of `IN (?)`). */
export async function bulkTasks(db: MysqlConnections, t: MysqlTables, action: BulkTaskAction, ids: number[], now: Instant): Promise<number> {
  if (ids.length === 0) return 0;
  const at = now === null ? DB_NOW_MS : String(Math.trunc(now));
  return db.transaction(async (session) => {
    if (action === 'delete') {
      const rows = await session.rows(`SELECT id FROM ${t.task} WHERE ${backticks(bulkDeletable('(?)'))} FOR UPDATE`, [ids]);
      const gone = rows.map((row) => Number(row.id));
      if (gone.length === 0) return 0;
      await session.write(`DELETE FROM ${t.run} WHERE task_id IN (?)`, [gone]);
      return (await session.write(`DELETE FROM ${t.task} WHERE id IN (?)`, [gone])).affectedRows;
    }
    let changed = 0;
    for (const part of bulkUpdates(action, '(?)', at)) changed += (await session.write(`UPDATE ${t.task} ${backticks(part)}`, [ids])).affectedRows;
    return changed;
  });
}
