import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Adds the nullable `trace_context` column to the task table: the W3C trace context of the span
 * that enqueued the task, written only while an OpenTelemetry tracer provider is registered
 * (docs/observability.md).
 */
export class KronosTraceContextSqlite1765000000000 implements MigrationInterface {
  name = 'KronosTraceContextSqlite1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`ALTER TABLE ${t.task} ADD COLUMN "trace_context" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`ALTER TABLE ${t.task} DROP COLUMN "trace_context"`);
  }
}
