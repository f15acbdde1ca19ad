import { groupTable } from '../../migrations/group-table.js';
import type { Instant, PausedGroup } from '../engine.js';
import type { MysqlConnections } from './connection.js';
import { CLOCK, type MysqlTables } from './sql.js';

/** Queue control: a paused group is a row of `kronos_task_group`. */
export class MysqlGroups {
  private readonly table: string;

  constructor(
    private readonly db: MysqlConnections,
    tables: MysqlTables,
  ) {
    this.table = groupTable(tables.task);
  }

  async pause(group: string, by: string | null, now: Instant): Promise<boolean> {
    const { affectedRows } = await this.db.autocommit((session) =>
      session.write(
        `INSERT IGNORE INTO ${this.table} (\`name\`, \`paused_at\`, \`paused_by\`) VALUES (?, ${CLOCK}, ?)`,
        [group, now, by],
      ),
    );
    return affectedRows > 0;
  }

  async resume(group: string): Promise<boolean> {
    const { affectedRows } = await this.db.autocommit((session) =>
      session.write(`DELETE FROM ${this.table} WHERE \`name\` = ?`, [group]),
    );
    return affectedRows > 0;
  }

  async list(): Promise<PausedGroup[]> {
    const rows = await this.db.autocommit((session) =>
      session.rows(`SELECT \`name\`, \`paused_at\`, \`paused_by\` FROM ${this.table} ORDER BY \`name\``),
    );
    return (rows as { name: string; paused_at: number | string; paused_by: string | null }[]).map((r) => ({
      name: r.name,
      pausedAt: Number(r.paused_at),
      pausedBy: r.paused_by,
    }));
  }
}
