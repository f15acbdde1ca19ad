import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Adds the audit trail table `kronos_audit`: one row per action taken from the dashboard (who,
 * what, on which target, when, how many rows it changed). Read newest first by primary key.
 */
export class KronosAuditMysql1766000000000 implements MigrationInterface {
  name = 'KronosAuditMysql1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    await queryRunner.query(`CREATE TABLE ${t.audit} (
      \`id\` int NOT NULL AUTO_INCREMENT, \`at\` bigint NOT NULL, \`actor\` varchar(200) NOT NULL,
      \`action\` varchar(40) NOT NULL, \`target\` varchar(200) NULL, \`rows_changed\` int NOT NULL DEFAULT '0',
      \`outcome\` varchar(8) NOT NULL, \`detail\` text NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    await queryRunner.query(`DROP TABLE IF EXISTS ${t.audit}`);
  }
}
