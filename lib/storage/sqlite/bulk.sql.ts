import type BetterSqlite3 from 'better-sqlite3';
import type { BulkTaskAction, Instant } from '../engine.js';
import { bulkDeletable, bulkUpdates } from '../bulk-tasks.js';
import { withBusyRetry } from './sqlite-connection.js';

/** The batch's ids, bound as one JSON array. */
const IDS = '(SELECT value FROM json_each(@ids))';

/** One batch of a bulk action in one transaction (SQLite serialises writers: it is short). */
export function bulkTasks(db: BetterSqlite3.Database, t: { task: string; run: string }, action: BulkTaskAction, ids: number[], now: Instant): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  const params = { ids: JSON.stringify(ids), now: now ?? Date.now() };
  const run = db.transaction((): number => {
    if (action === 'delete') {
      db.prepare(`DELETE FROM ${t.run} WHERE "task_id" IN (SELECT "id" FROM ${t.task} WHERE ${bulkDeletable(IDS)})`).run({ ids: params.ids });
      return db.prepare(`DELETE FROM ${t.task} WHERE ${bulkDeletable(IDS)}`).run({ ids: params.ids }).changes;
    }
    let changed = 0;
    for (const part of bulkUpdates(action, IDS, '@now')) changed += db.prepare(`UPDATE ${t.task} ${part}`).run(params).changes;
    return changed;
  });
  return withBusyRetry(() => run.immediate());
}
