import type BetterSqlite3 from 'better-sqlite3';
import { groupTable } from '../../migrations/group-table.js';
import type { Instant, PausedGroup } from '../engine.js';
import { withBusyRetry } from './sqlite-connection.js';

/** Queue control: a paused group is a row of `kronos_task_group`. */
export class SqliteGroups {
  private readonly table: string;

  constructor(
    private readonly db: () => BetterSqlite3.Database,
    task: string,
  ) {
    this.table = groupTable(task);
  }

  async pause(group: string, by: string | null, now: Instant): Promise<boolean> {
    const insert = this.db().prepare(
      `INSERT OR IGNORE INTO ${this.table} ("name", "paused_at", "paused_by") VALUES (?, ?, ?)`,
    );
    return (await withBusyRetry(() => insert.run(group, now ?? Date.now(), by))).changes > 0;
  }

  async resume(group: string): Promise<boolean> {
    const remove = this.db().prepare(`DELETE FROM ${this.table} WHERE "name" = ?`);
    return (await withBusyRetry(() => remove.run(group))).changes > 0;
  }

  async list(): Promise<PausedGroup[]> {
    const select = this.db().prepare(`SELECT "name", "paused_at", "paused_by" FROM ${this.table} ORDER BY "name"`);
    const rows = (await withBusyRetry(() => select.all())) as {
      name: string;
      paused_at: number;
      paused_by: string | null;
    }[];
    return rows.map((r) => ({ name: r.name, pausedAt: Number(r.paused_at), pausedBy: r.paused_by }));
  }
}
