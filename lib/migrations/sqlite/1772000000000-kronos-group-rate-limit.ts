import type { MigrationInterface, QueryRunner } from 'typeorm';
import { groupRateTable } from '../group-table.js';
import { migrationTables } from '../migration-tables.js';
import { groupRateTableDdl } from '../support-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Group rate limits (`groups: { name: { rateLimit } }`, docs/flow-control.md): each
 * rate-limited group's current window and the claims counted in it, one row per group, locked by
 * the claims of that group. Claims of groups without a limit never read it.
 */
export class KronosGroupRateLimitSqlite1772000000000 implements MigrationInterface {
  name = 'KronosGroupRateLimitSqlite1772000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const task = migrationTables(queryRunner, quote, 'schema').task;
    for (const statement of groupRateTableDdl('sqlite', task)) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const g = groupRateTable(migrationTables(queryRunner, quote, 'schema').task);
    await queryRunner.query(`DROP TABLE ${g}`);
  }
}
