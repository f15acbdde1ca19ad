import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Deduplication windows (`enqueue({ unique })`, docs/flow-control.md): the nullable `dedup_key`
 * and `dedup_until` columns of the task table, and a unique index on (job, key). MySQL indexes
 * every row (NULL keys never conflict), and never updates the entry on claim or completion.
 */
export class KronosDedupMysql1767000000000 implements MigrationInterface {
  name = 'KronosDedupMysql1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    await queryRunner.query(
      `ALTER TABLE ${t.task} ADD COLUMN \`dedup_key\` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, ADD COLUMN \`dedup_until\` bigint NULL,
         ADD UNIQUE INDEX \`kronos_task_dedup\` (\`job_name\`, \`dedup_key\`)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    await queryRunner.query(
      `ALTER TABLE ${t.task} DROP INDEX \`kronos_task_dedup\`, DROP COLUMN \`dedup_key\`, DROP COLUMN \`dedup_until\``,
    );
  }
}
