import { flowTables } from '../../migrations/flow-tables.js';
import type { BulkTaskAction, Instant } from '../engine.js';
import {
  BULK_RETRYABLE,
  DEPENDENCY_FAILED,
  NOT_RECURRING,
  RESET,
  bulkDeletable,
  bulkStoppedAtOnce,
  bulkUpdates,
  deleteDependencies,
  deleteEmptyBatches,
  type BatchTerms,
  type BulkTables,
} from '../bulk-tasks.js';
import type { MysqlConnections } from './connection.js';
import { DB_NOW_MS, type MysqlTables } from './sql.js';

const backticks = (sql: string): string => sql.replaceAll('"', '`');

/**
 * The batch's ids, one `IN (?)` list per use (mysql2 expands it), found by primary key; a status
 * is tested as `CONCAT(status, '')`, which no index serves (`||` is OR on MySQL).
 */
const BATCH: BatchTerms = {
  isBatchId: (column) => `${column} IN (?)`,
  status: (column) => `CONCAT(${column}, '')`,
  perTask: '',
};

const list = (statuses: readonly string[]): string => statuses.map((s) => `'${s}'`).join(', ');

/**
 * The retry statements of `bulkUpdates('retry')` in the form MySQL 8 accepts. The shared form
 * tests the dependencies with a subquery that reads the task table the UPDATE writes, which
 * MariaDB allows and MySQL refuses (error 1093, "You can't specify target table for update in
 * FROM clause"). Here the tasks held back are a derived table joined to the update; `DISTINCT`
 * makes it one the optimizer cannot merge into the outer query, so it is materialized before any
 * row is updated, as MySQL requires. Same rows, same order of statements; each takes the id list
 * twice (`[ids, ids]`).
 */
export function mysqlRetryUpdates(t: BulkTables, at: string): string[] {
  const own = `${BATCH.isBatchId('tk.id')} AND ${NOT_RECURRING('tk.uuid')} AND ${BATCH.status('tk.status')} IN (${list(BULK_RETRYABLE)})`;
  const held = (condition: string) =>
    `LEFT JOIN (SELECT DISTINCT d.task_id FROM ${t.dependency} d JOIN ${t.task} p ON p.id = d.depends_on
                 WHERE ${BATCH.isBatchId('d.task_id')} AND ${condition}) AS held ON held.task_id = tk.id`;
  const dependency = BATCH.status('p.status');
  return [
    `UPDATE ${t.task} AS tk ${held(`${dependency} <> 'COMPLETED'`)}
        SET tk.status = 'QUEUED', ${RESET(at).replaceAll('"', '')}
      WHERE held.task_id IS NULL AND ${own}`,
    `UPDATE ${t.task} AS tk ${held(`d.on_failure = 'cancel' AND ${dependency} IN (${list(DEPENDENCY_FAILED)})`)}
        SET tk.status = 'WAITING', ${RESET(at).replaceAll('"', '')}
      WHERE held.task_id IS NULL AND ${own}`,
  ];
}

/**
 * One batch of a bulk action in one short transaction (mysql2 expands the id list of `IN (?)`).
 * The ids of the tasks a stop ended at once are pushed to `stopped` (their flow is settled after).
 */
export async function bulkTasks(
  db: MysqlConnections,
  tables: MysqlTables,
  action: BulkTaskAction,
  ids: number[],
  now: Instant,
  stopped: number[] = [],
): Promise<number> {
  if (ids.length === 0) return 0;
  const t: BulkTables = { task: tables.task, run: tables.run, ...flowTables(tables.task) };
  const at = now === null ? DB_NOW_MS : String(Math.trunc(now));
  return db.transaction(async (session) => {
    stopped.length = 0; // a transaction run again after a deadlock starts over
    if (action === 'delete') {
      // bulkDeletable names the ids twice (the tasks, and the dependents deleted with them).
      const rows = await session.rows(
        `SELECT tk.id, tk.batch_id FROM ${t.task} AS tk WHERE ${backticks(bulkDeletable(t, BATCH))} FOR UPDATE`,
        [ids, ids],
      );
      const gone = rows.map((row) => Number(row.id));
      if (gone.length === 0) return 0;
      await session.write(`DELETE FROM ${t.run} WHERE task_id IN (?)`, [gone]);
      await session.write(backticks(deleteDependencies(t, '(?)')), [gone, gone]);
      const deleted = (await session.write(`DELETE FROM ${t.task} WHERE id IN (?)`, [gone])).affectedRows;
      const batches = [...new Set(rows.filter((row) => row.batch_id !== null).map((row) => Number(row.batch_id)))];
      if (batches.length > 0) await session.write(backticks(deleteEmptyBatches(t, '(?)')), [batches]);
      return deleted;
    }
    if (action === 'stop')
      for (const row of await session.rows(`${backticks(bulkStoppedAtOnce(t, BATCH))} FOR UPDATE`, [ids]))
        stopped.push(Number(row.id));
    // Retry in MySQL 8's form (no subquery on the updated table); ids bound twice.
    const statements = action === 'retry' ? mysqlRetryUpdates(t, at) : bulkUpdates(action, t, BATCH, at).map(backticks);
    const values = action === 'retry' ? [ids, ids] : [ids];
    let changed = 0;
    for (const statement of statements) changed += (await session.write(statement, values)).affectedRows;
    if (action === 'retry') {
      // A chain retried together: each run puts the next link back to WAITING.
      for (let more = 1; more > 0; changed += more)
        more = (await session.write(statements[statements.length - 1], values)).affectedRows;
    }
    return changed;
  });
}
