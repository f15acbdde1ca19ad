import type { MigrationInterface, QueryRunner } from 'typeorm';
import { flowTables } from '../flow-tables.js';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Dependencies and batches (docs/flow-control.md): the task's `flow` flags (1: has dependents,
 * 2: belongs to a batch; 0 for every other task) and `batch_id`, the dependency edges and the
 * batches. Only flagged tasks are looked at when they finish.
 */
export class KronosFlowMysql1769000000000 implements MigrationInterface {
  name = 'KronosFlowMysql1769000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    const f = flowTables(t.task);
    await queryRunner.query(
      `ALTER TABLE ${t.task} ADD COLUMN \`flow\` int NOT NULL DEFAULT 0, ADD COLUMN \`batch_id\` bigint NULL,
         ADD INDEX \`kronos_task_batch_id\` (\`batch_id\`, \`status\`)`,
    );
    await queryRunner.query(
      `CREATE TABLE ${f.dependency} (\`depends_on\` bigint NOT NULL, \`task_id\` bigint NOT NULL, \`on_failure\` varchar(8) NOT NULL,
         PRIMARY KEY (\`depends_on\`, \`task_id\`), INDEX \`kronos_task_dependency_task\` (\`task_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE ${f.batch} (\`id\` int NOT NULL AUTO_INCREMENT PRIMARY KEY, \`description\` varchar(255) NULL,
         \`stopped\` tinyint NOT NULL DEFAULT 0, \`callbacks\` text NULL, \`created_at\` bigint NOT NULL, \`finished_at\` bigint NULL) ENGINE=InnoDB`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    const f = flowTables(t.task);
    await queryRunner.query(`DROP TABLE ${f.batch}`);
    await queryRunner.query(`DROP TABLE ${f.dependency}`);
    await queryRunner.query(
      `ALTER TABLE ${t.task} DROP INDEX \`kronos_task_batch_id\`, DROP COLUMN \`flow\`, DROP COLUMN \`batch_id\``,
    );
  }
}
