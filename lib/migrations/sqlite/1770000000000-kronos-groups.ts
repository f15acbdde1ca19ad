import type { MigrationInterface, QueryRunner } from 'typeorm';
import { groupTable } from '../group-table.js';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Queue control (docs/dashboard.md): the groups an administrator paused, one row each while
 * paused. Workers read it on their housekeeping cadence and leave paused groups out of their
 * claims, so the claim statement itself is unchanged.
 */
export class KronosGroupsSqlite1770000000000 implements MigrationInterface {
  name = 'KronosGroupsSqlite1770000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const g = groupTable(migrationTables(queryRunner, quote, 'schema').task);
    await queryRunner.query(
      `CREATE TABLE ${g} ("name" varchar(64) PRIMARY KEY NOT NULL, "paused_at" bigint NOT NULL, "paused_by" varchar(200))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const g = groupTable(migrationTables(queryRunner, quote, 'schema').task);
    await queryRunner.query(`DROP TABLE ${g}`);
  }
}
