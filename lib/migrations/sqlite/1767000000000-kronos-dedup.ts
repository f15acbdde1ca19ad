import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Deduplication windows (`enqueue({ unique })`, docs/flow-control.md): the nullable `dedup_key`
 * and `dedup_until` columns of the task table, and a unique index on (job, key) that only rows
 * holding a key enter (so claims and completions of other tasks never touch it).
 */
export class KronosDedupSqlite1767000000000 implements MigrationInterface {
  name = 'KronosDedupSqlite1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`ALTER TABLE ${t.task} ADD COLUMN "dedup_key" varchar(255)`);
    await queryRunner.query(`ALTER TABLE ${t.task} ADD COLUMN "dedup_until" bigint`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "kronos_task_dedup" ON ${t.task} ("job_name", "dedup_key") WHERE "dedup_key" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`DROP INDEX "kronos_task_dedup"`);
    await queryRunner.query(`ALTER TABLE ${t.task} DROP COLUMN "dedup_until"`);
    await queryRunner.query(`ALTER TABLE ${t.task} DROP COLUMN "dedup_key"`);
  }
}
