import type BetterSqlite3 from 'better-sqlite3';
import { flowTables } from '../../migrations/flow-tables.js';
import type { BulkTaskAction, Instant, PruneFilter, PrunedBatch } from '../engine.js';
import {
  bulkDeletable,
  bulkStoppedAtOnce,
  bulkUpdates,
  deleteDependencies,
  deleteEmptyBatches,
  noWaitingDependents,
  NOT_RECURRING,
  type BatchTerms,
  type BulkTables,
} from '../bulk-tasks.js';
import { withBusyRetry } from './sqlite-connection.js';

/** The batch's ids, bound as one JSON array (`@ids`), found by primary key; a status is tested as `status || ''`, which no index serves. */
const BATCH: BatchTerms = {
  isBatchId: (column) => `${column} IN (SELECT value FROM json_each(@ids))`,
  status: (column) => `(${column} || '')`,
  perTask: '',
};

/**
 * One batch of a bulk action in one transaction (SQLite serialises writers: it is short). The
 * ids of the tasks a stop ended at once are pushed to `stopped` (their flow is settled after).
 */
export function bulkTasks(
  db: BetterSqlite3.Database,
  tables: { task: string; run: string },
  action: BulkTaskAction,
  ids: number[],
  now: Instant,
  stopped: number[] = [],
): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  const t: BulkTables = { ...tables, ...flowTables(tables.task) };
  const params = { ids: JSON.stringify(ids), now: now ?? Date.now() };
  const run = db.transaction((): number => {
    stopped.length = 0; // a transaction run again after a busy database starts over
    if (action === 'delete') {
      const rows = db
        .prepare(`SELECT tk."id", tk."batch_id" FROM ${t.task} AS tk WHERE ${bulkDeletable(t, BATCH)}`)
        .all({ ids: params.ids }) as { id: number; batch_id: number | null }[];
      if (rows.length === 0) return 0;
      const gone = { gone: JSON.stringify(rows.map((row) => row.id)) };
      const GONE = '(SELECT value FROM json_each(@gone))';
      db.prepare(`DELETE FROM ${t.run} WHERE "task_id" IN ${GONE}`).run(gone);
      db.prepare(deleteDependencies(t, GONE)).run(gone);
      const deleted = db.prepare(`DELETE FROM ${t.task} WHERE "id" IN ${GONE}`).run(gone).changes;
      const batches = [...new Set(rows.map((row) => row.batch_id).filter((id) => id !== null))];
      if (batches.length > 0)
        db.prepare(deleteEmptyBatches(t, '(SELECT value FROM json_each(@batches))')).run({
          batches: JSON.stringify(batches),
        });
      return deleted;
    }
    if (action === 'stop')
      for (const row of db.prepare(bulkStoppedAtOnce(t, BATCH)).all({ ids: params.ids }) as { id: number }[])
        stopped.push(row.id);
    const statements = bulkUpdates(action, t, BATCH, '@now');
    let changed = 0;
    for (const statement of statements) changed += db.prepare(statement).run(params).changes;
    if (action === 'retry') {
      const waitAgain = db.prepare(statements[statements.length - 1]);
      for (let more = 1; more > 0; changed += more) more = waitAgain.run(params).changes;
    }
    return changed;
  });
  return withBusyRetry(() => run.immediate());
}

/**
 * Prune finished tasks (recurring task rows, which carry the schedule, never), with their
 * dependency edges and the batches left without a task, in one transaction. A task another still
 * waits for stays (deleting it would leave that one waiting).
 */
export function pruneTasks(
  db: BetterSqlite3.Database,
  tables: { task: string; run: string },
  filter: PruneFilter,
  limit: number,
): Promise<PrunedBatch> {
  const t: BulkTables = { ...tables, ...flowTables(tables.task) };
  const params = {
    before: filter.before,
    statuses: JSON.stringify(filter.statuses),
    limit,
    afterId: filter.afterId ?? 0,
  };
  const run = db.transaction((): PrunedBatch => {
    const rows = db
      .prepare(
        `DELETE FROM ${t.task} WHERE "id" IN (SELECT tk."id" FROM ${t.task} AS tk
           WHERE tk."id" > @afterId AND tk."updated_at" < @before AND tk."status" IN (SELECT value FROM json_each(@statuses))
             AND tk."status" NOT IN ('QUEUED', 'RUNNING') AND tk."schedule" IS NULL
             AND ${NOT_RECURRING('tk."uuid"')} AND ${noWaitingDependents(t, 'tk')} ORDER BY tk."id" LIMIT @limit)
         RETURNING "id", "batch_id"`,
      )
      .all(params) as { id: number; batch_id: number | null }[];
    if (rows.length === 0) return { deleted: 0, lastId: 0 };
    const gone = { gone: JSON.stringify(rows.map((row) => row.id)) };
    db.prepare(deleteDependencies(t, '(SELECT value FROM json_each(@gone))')).run(gone);
    const batches = [...new Set(rows.map((row) => row.batch_id).filter((id) => id !== null))];
    if (batches.length > 0)
      db.prepare(deleteEmptyBatches(t, '(SELECT value FROM json_each(@batches))')).run({
        batches: JSON.stringify(batches),
      });
    return { deleted: rows.length, lastId: rows.reduce((last, row) => Math.max(last, row.id), 0) };
  });
  return withBusyRetry(() => run.immediate());
}
