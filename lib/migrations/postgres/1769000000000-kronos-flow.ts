import type { MigrationInterface, QueryRunner } from 'typeorm';
import { flowTables } from '../flow-tables.js';
import { flowTablesDdl } from '../support-tables.js';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Dependencies and batches (docs/flow-control.md): the task's `flow` flags (1: has dependents,
 * 2: belongs to a batch; 0 for every other task) and `batch_id`, the dependency edges and the
 * batches. Only flagged tasks are looked at when they finish.
 */
export class KronosFlowPostgres1769000000000 implements MigrationInterface {
  name = 'KronosFlowPostgres1769000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(
      `ALTER TABLE ${t.task} ADD COLUMN "flow" integer NOT NULL DEFAULT 0, ADD COLUMN "batch_id" bigint`,
    );
    await queryRunner.query(
      `CREATE INDEX "kronos_task_batch_id" ON ${t.task} ("batch_id", "status") WHERE "batch_id" IS NOT NULL`,
    );
    for (const statement of flowTablesDdl('postgres', t.task)) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    const f = flowTables(t.task);
    await queryRunner.query(`DROP TABLE ${f.batch}`);
    await queryRunner.query(`DROP TABLE ${f.dependency}`);
    await queryRunner.query(`DROP INDEX "kronos_task_batch_id"`);
    await queryRunner.query(`ALTER TABLE ${t.task} DROP COLUMN "flow", DROP COLUMN "batch_id"`);
  }
}
