import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Adds the audit trail table `kronos_audit`: one row per action taken from the dashboard (who,
 * what, on which target, when, how many rows it changed). Read newest first by primary key.
 */
export class KronosAuditPostgres1766000000000 implements MigrationInterface {
  name = 'KronosAuditPostgres1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`CREATE TABLE ${t.audit} (
      "id" SERIAL NOT NULL, "at" bigint NOT NULL, "actor" character varying(200) NOT NULL,
      "action" character varying(40) NOT NULL, "target" character varying(200), "rows_changed" integer NOT NULL DEFAULT 0,
      "outcome" character varying(8) NOT NULL, "detail" text, PRIMARY KEY ("id"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`DROP TABLE IF EXISTS ${t.audit}`);
  }
}
