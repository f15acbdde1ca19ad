import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Creates the Kronos tables on MySQL 8 / MariaDB 10.6+ exactly as TypeORM's schema builder
 * creates them from the entities (a test checks that it finds nothing left to change), plus the
 * claim index `kronos_task_due`. MySQL has no partial indexes, so that one leads with `status`.
 */
export class KronosInitMysql1764000000000 implements MigrationInterface {
  name = 'KronosInitMysql1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    await queryRunner.query(`CREATE TABLE ${t.job} (
      \`name\` varchar(200) NOT NULL, \`kind\` varchar(16) NOT NULL, \`schedule\` text NULL,
      \`schedule_normalized\` text NULL, \`timezone\` varchar(64) NULL,
      \`schedule_set_by\` varchar(8) NOT NULL DEFAULT 'code', \`active\` tinyint NOT NULL,
      \`active_set_by\` varchar(8) NOT NULL DEFAULT 'code', \`description\` text NULL, \`timeout_ms\` int NULL,
      \`retries\` int NOT NULL DEFAULT '0', \`group_name\` varchar(64) NOT NULL, \`priority\` int NOT NULL DEFAULT '0',
      \`kwargs\` text NULL, \`source\` varchar(16) NOT NULL DEFAULT 'code', \`missing\` tinyint NOT NULL DEFAULT 0,
      \`first_seen\` bigint NOT NULL, \`last_seen\` bigint NOT NULL, \`updated_at\` bigint NOT NULL,
      PRIMARY KEY (\`name\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE ${t.task} (
      \`id\` int NOT NULL AUTO_INCREMENT, \`uuid\` varchar(64) NOT NULL, \`job_name\` varchar(200) NOT NULL,
      \`payload\` text NULL, \`status\` varchar(16) NOT NULL, \`group_name\` varchar(64) NOT NULL,
      \`priority\` int NOT NULL DEFAULT '0', \`next_run_time\` bigint NOT NULL, \`stop_time\` bigint NULL,
      \`timeout_ms\` int NULL, \`retries\` int NOT NULL DEFAULT '0', \`attempt\` int NOT NULL DEFAULT '0',
      \`times_run\` int NOT NULL DEFAULT '0', \`times_failed\` int NOT NULL DEFAULT '0',
      \`repeats\` int NOT NULL DEFAULT '0', \`schedule\` text NULL, \`last_run_time\` bigint NULL,
      \`assigned_worker\` varchar(200) NULL, \`claim_token\` varchar(64) NULL, \`claimed_at\` bigint NULL,
      \`run_as\` varchar(200) NULL, \`queued_by\` varchar(200) NULL, \`progress\` int NULL,
      \`progress_message\` text NULL, \`output\` text NULL, \`stop_requested\` tinyint NOT NULL DEFAULT 0,
      \`created_at\` bigint NOT NULL, \`updated_at\` bigint NOT NULL,
      UNIQUE INDEX \`kronos_task_uuid\` (\`uuid\`), INDEX \`kronos_task_worker\` (\`assigned_worker\`),
      INDEX \`kronos_task_job_status\` (\`job_name\`, \`status\`), INDEX \`kronos_task_status\` (\`status\`, \`id\`),
      INDEX \`kronos_task_due\` (\`status\`, \`group_name\`, \`priority\` DESC, \`next_run_time\`, \`id\`),
      PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE ${t.run} (
      \`id\` int NOT NULL AUTO_INCREMENT, \`task_id\` int NOT NULL, \`job_name\` varchar(200) NOT NULL,
      \`status\` varchar(16) NOT NULL, \`worker\` varchar(200) NULL, \`attempt\` int NOT NULL DEFAULT '1',
      \`scheduled_for\` bigint NULL, \`start_time\` bigint NOT NULL, \`stop_time\` bigint NULL, \`duration_ms\` int NULL,
      \`result\` text NULL, \`message\` text NULL, \`output\` text NULL, \`traceback\` text NULL,
      \`run_as\` varchar(200) NULL,
      INDEX \`kronos_run_status\` (\`status\`, \`id\`), INDEX \`kronos_run_job\` (\`job_name\`, \`id\`),
      INDEX \`kronos_run_task\` (\`task_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE ${t.worker} (
      \`name\` varchar(200) NOT NULL, \`hostname\` varchar(200) NOT NULL, \`pid\` int NOT NULL, \`groups\` text NOT NULL,
      \`status\` varchar(16) NOT NULL, \`first_heartbeat\` bigint NOT NULL, \`last_heartbeat\` bigint NOT NULL,
      \`running\` int NOT NULL DEFAULT '0', \`completed\` int NOT NULL DEFAULT '0', \`failed\` int NOT NULL DEFAULT '0',
      PRIMARY KEY (\`name\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'database');
    for (const table of [t.worker, t.run, t.task, t.job]) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
