import type { Session } from './connection.js';
import type { MysqlTables } from './sql.js';

/**
 * The ids of the run rows a multi-row INSERT just wrote, by task id (asked for by lifecycle
 * events only). MySQL reports the first id alone (`insertId`), and the later ones need not follow
 * it one by one (interleaved auto-increment locking, `auto_increment_increment` on a Galera
 * cluster), so they are read back: the runs of these tasks from the first id on. The caller holds
 * the tasks' row locks, so no other transaction can have written a run of them meanwhile, and
 * every earlier run of them has a smaller id.
 */
export async function insertedRunIds(
  session: Session,
  t: MysqlTables,
  firstId: number,
  taskIds: number[],
): Promise<Map<number, number>> {
  const rows = await session.rows(`SELECT id, task_id FROM ${t.run} WHERE id >= ? AND task_id IN (?) ORDER BY id`, [
    firstId,
    taskIds,
  ]);
  return new Map(rows.map((row) => [Number(row.task_id), Number(row.id)]));
}
