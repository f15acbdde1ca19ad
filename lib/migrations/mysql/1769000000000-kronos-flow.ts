import type { MigrationInterface, QueryRunner } from 'typeorm';
import { flowTables } from '../flow-tables.js';
import { flowTablesDdl } from '../support-tables.js';
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
    await queryRunner.query(
      `ALTER TABLE ${t.task} ADD COLUMN \`flow\` int NOT NULL DEFAULT 0, ADD COLUMN \`batch_id\` bigint NULL,
         ADD INDEX \`kronos_task_batch_id\` (\`batch_id\`, \`status\`)`,
    );
    for (const statement of flowTablesDdl('mysql', t.task)) await queryRunner.query(statement);
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
