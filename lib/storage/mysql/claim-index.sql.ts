import type { DataSource } from 'typeorm';
import { Task } from '../../entities/index.js';
import { ER_DUP_KEYNAME, errno, type MysqlConnections } from './connection.js';
import type { MysqlTables } from './sql.js';

export const CLAIM_INDEX = 'kronos_task_due';

/**
 * The claim index, in the claim's order. MySQL has no partial indexes, so `status` leads and the
 * claim's `status = 'QUEUED'` range skips finished history. `priority DESC` lets one group's
 * claim read the index in order and stop after `limit` rows (MySQL 8 and MariaDB 10.8+; MariaDB
 * 10.6 accepts and ignores DESC, and sorts the due rows instead).
 */
export const claimIndexSql = (t: MysqlTables): string =>
  `CREATE INDEX ${CLAIM_INDEX} ON ${t.task} (status, group_name, priority DESC, next_run_time, id)`;

/**
 * Create the claim index unless it exists. Checked through information_schema first because
 * CREATE INDEX waits for an exclusive metadata lock on the table even when it would fail, and so
 * would queue behind (and then block) every open transaction that touched a task.
 */
export async function ensureClaimIndex(db: MysqlConnections, dataSource: DataSource, t: MysqlTables): Promise<void> {
  const { database, tableName } = dataSource.getMetadata(Task);
  await db.autocommit(async (session) => {
    const found = await session.rows(
      `SELECT 1 FROM information_schema.statistics
        WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND index_name = ? LIMIT 1`,
      [database ?? null, tableName, CLAIM_INDEX],
    );
    if (found.length > 0) return;
    try {
      await session.write(claimIndexSql(t));
    } catch (error) {
      // Two nodes starting at once: the second CREATE INDEX finds the first one's index.
      if (errno(error) !== ER_DUP_KEYNAME) throw error;
    }
  });
}
