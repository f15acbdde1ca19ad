import type { Pool } from 'pg';
import { groupTable } from '../../migrations/group-table.js';
import type { Instant, PausedGroup } from '../engine.js';
import { DB_NOW_MS } from './sql.js';
import type { PgTables } from './tables.js';

/** Queue control: a paused group is a row of `kronos_task_group` (unnamed statements: admin actions and a periodic read). */
export class PgGroups {
  private readonly table: string;

  constructor(
    private readonly pool: () => Pool,
    tables: PgTables,
  ) {
    this.table = groupTable(tables.task);
  }

  async pause(group: string, by: string | null, now: Instant): Promise<boolean> {
    const result = await this.pool().query(
      `INSERT INTO ${this.table} ("name", "paused_at", "paused_by") VALUES ($1, COALESCE($2::bigint, ${DB_NOW_MS}), $3) ON CONFLICT ("name") DO NOTHING`,
      [group, now, by],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async resume(group: string): Promise<boolean> {
    const result = await this.pool().query(`DELETE FROM ${this.table} WHERE "name" = $1`, [group]);
    return (result.rowCount ?? 0) > 0;
  }

  async list(): Promise<PausedGroup[]> {
    const { rows } = await this.pool().query<{ name: string; paused_at: string; paused_by: string | null }>(
      `SELECT "name", "paused_at", "paused_by" FROM ${this.table} ORDER BY "name"`,
    );
    return rows.map((r) => ({ name: r.name, pausedAt: Number(r.paused_at), pausedBy: r.paused_by }));
  }
}
