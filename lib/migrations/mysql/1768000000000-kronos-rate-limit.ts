import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Rate limits (`JobOptions.rateLimit`, docs/flow-control.md): the current window and its count of
 * claims, on the job definition row that the claims of a rate-limited job lock.
 */
export class KronosRateLimitMysql1768000000000 implements MigrationInterface {
  name = 'KronosRateLimitMysql1768000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    await queryRunner.query(
      `ALTER TABLE ${t.job} ADD COLUMN \`rate_window\` bigint NULL, ADD COLUMN \`rate_count\` int NOT NULL DEFAULT '0'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    await queryRunner.query(`ALTER TABLE ${t.job} DROP COLUMN \`rate_window\`, DROP COLUMN \`rate_count\``);
  }
}
