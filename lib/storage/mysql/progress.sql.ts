import type { ProgressUpdate } from '../engine.js';
import type { MysqlConnections } from './connection.js';
import { lockLeases } from './leases.sql.js';
import { DB_NOW_MS, literalRows, type MysqlTables } from './sql.js';

/**
 * Progress of every running attempt of a worker in one transaction: the fence locks the rows and
 * keeps the updates that still hold their lease, one joined UPDATE writes them. The ids that
 * lost their lease are returned, and the worker aborts those handlers.
 */
export async function saveProgress(db: MysqlConnections, t: MysqlTables, updates: ProgressUpdate[]): Promise<number[]> {
  if (updates.length === 0) return [];
  return db.transaction(async (session) => {
    const { held, lost } = await lockLeases(session, t, updates);
    if (held.length > 0) {
      const rows = literalRows(
        ['id', 'progress', 'progress_message', 'output'],
        // The column is an integer percentage: store 33.3 as 33.
        held.map((u) => [u.taskId, u.progress === null ? null : Math.round(u.progress), u.progressMessage, u.output]),
      );
      await session.write(
        `UPDATE ${t.task} t JOIN (${rows.sql}) u ON u.id = t.id
            SET t.progress = u.progress, t.progress_message = u.progress_message, t.output = u.output,
                t.updated_at = ${DB_NOW_MS}`,
        rows.values,
      );
    }
    return lost;
  });
}
