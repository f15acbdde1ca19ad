import type { MigrationInterface, QueryRunner } from 'typeorm';
import { groupTable } from '../group-table.js';
import { migrationTables } from '../migration-tables.js';
import { groupTableDdl } from '../support-tables.js';

const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Queue control (docs/dashboard.md): the groups an administrator paused, one row each while
 * paused. Workers read it on their housekeeping cadence and leave paused groups out of their
 * claims, so the claim statement itself is unchanged.
 */
export class KronosGroupsMysql1770000000000 implements MigrationInterface {
  name = 'KronosGroupsMysql1770000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const task = migrationTables(queryRunner, quote, 'database').task;
    for (const statement of groupTableDdl('mysql', task)) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const g = groupTable(migrationTables(queryRunner, quote, 'database').task);
    await queryRunner.query(`DROP TABLE ${g}`);
  }
}
