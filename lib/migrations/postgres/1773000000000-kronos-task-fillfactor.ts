import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TASK_FILLFACTOR } from '../../storage/postgres/task-fillfactor.sql.js';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Leaves room in each page of the task table for the row versions a task's claim and completion
 * write (`fillfactor`, docs/performance.md "Database cost per job"). Their UPDATEs change the
 * indexed status, so they cannot be HOT; but a new version written on the page of the old one
 * is logged as the difference from it (PostgreSQL compresses the unchanged prefix and suffix of
 * a same-page update), and the page's dead versions are pruned in place instead of the table
 * growing at its end. Existing pages keep their layout; new and vacuumed pages get the room.
 */
export class KronosTaskFillfactorPostgres1773000000000 implements MigrationInterface {
  name = 'KronosTaskFillfactorPostgres1773000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`ALTER TABLE ${t.task} SET (fillfactor = ${TASK_FILLFACTOR})`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`ALTER TABLE ${t.task} RESET (fillfactor)`);
  }
}
