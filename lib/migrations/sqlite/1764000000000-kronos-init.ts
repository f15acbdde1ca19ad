import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Creates the Kronos tables on SQLite exactly as the entities describe them (a test checks that
 * TypeORM's schema builder finds nothing left to change), plus the partial claim index
 * `kronos_task_due`, which only holds QUEUED rows.
 */
export class KronosInitSqlite1764000000000 implements MigrationInterface {
  name = 'KronosInitSqlite1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote);
    await queryRunner.query(`CREATE TABLE ${t.job} (
      "name" varchar(200) PRIMARY KEY NOT NULL, "kind" varchar(16) NOT NULL, "schedule" text,
      "schedule_normalized" text, "timezone" varchar(64), "schedule_set_by" varchar(8) NOT NULL DEFAULT ('code'),
      "active" boolean NOT NULL, "active_set_by" varchar(8) NOT NULL DEFAULT ('code'), "description" text,
      "timeout_ms" integer, "retries" integer NOT NULL DEFAULT (0), "group_name" varchar(64) NOT NULL,
      "priority" integer NOT NULL DEFAULT (0), "kwargs" text, "source" varchar(16) NOT NULL DEFAULT ('code'),
      "missing" boolean NOT NULL DEFAULT (0), "first_seen" bigint NOT NULL, "last_seen" bigint NOT NULL,
      "updated_at" bigint NOT NULL)`);
    await queryRunner.query(`CREATE TABLE ${t.task} (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "uuid" varchar(64) NOT NULL, "job_name" varchar(200) NOT NULL,
      "payload" text, "status" varchar(16) NOT NULL, "group_name" varchar(64) NOT NULL,
      "priority" integer NOT NULL DEFAULT (0), "next_run_time" bigint NOT NULL, "stop_time" bigint,
      "timeout_ms" integer, "retries" integer NOT NULL DEFAULT (0), "attempt" integer NOT NULL DEFAULT (0),
      "times_run" integer NOT NULL DEFAULT (0), "times_failed" integer NOT NULL DEFAULT (0),
      "repeats" integer NOT NULL DEFAULT (0), "schedule" text, "last_run_time" bigint, "assigned_worker" varchar(200),
      "claim_token" varchar(64), "claimed_at" bigint, "run_as" varchar(200), "queued_by" varchar(200),
      "progress" integer, "progress_message" text, "output" text, "stop_requested" boolean NOT NULL DEFAULT (0),
      "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL)`);
    await queryRunner.query(`CREATE UNIQUE INDEX "kronos_task_uuid" ON ${t.task} ("uuid")`);
    await queryRunner.query(
      `CREATE INDEX "kronos_task_worker" ON ${t.task} ("assigned_worker") WHERE "assigned_worker" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "kronos_task_job_status" ON ${t.task} ("job_name", "status")`);
    await queryRunner.query(
      `CREATE INDEX "kronos_task_status" ON ${t.task} ("status", "id") WHERE "status" <> 'COMPLETED'`,
    );
    await queryRunner.query(
      `CREATE INDEX "kronos_task_due" ON ${t.task} ("group_name", "priority" DESC, "next_run_time", "id") WHERE "status" = 'QUEUED'`,
    );
    await queryRunner.query(`CREATE TABLE ${t.run} (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "task_id" integer NOT NULL, "job_name" varchar(200) NOT NULL,
      "status" varchar(16) NOT NULL, "worker" varchar(200), "attempt" integer NOT NULL DEFAULT (1),
      "scheduled_for" bigint, "start_time" bigint NOT NULL, "stop_time" bigint, "duration_ms" integer,
      "result" text, "message" text, "output" text, "traceback" text, "run_as" varchar(200))`);
    await queryRunner.query(`CREATE INDEX "kronos_run_task" ON ${t.run} ("task_id")`);
    await queryRunner.query(`CREATE INDEX "kronos_run_job" ON ${t.run} ("job_name", "id")`);
    await queryRunner.query(
      `CREATE INDEX "kronos_run_status" ON ${t.run} ("status", "id") WHERE "status" <> 'COMPLETED'`,
    );
    await queryRunner.query(`CREATE TABLE ${t.worker} (
      "name" varchar(200) PRIMARY KEY NOT NULL, "hostname" varchar(200) NOT NULL, "pid" integer NOT NULL,
      "groups" text NOT NULL, "status" varchar(16) NOT NULL, "first_heartbeat" bigint NOT NULL,
      "last_heartbeat" bigint NOT NULL, "running" integer NOT NULL DEFAULT (0), "completed" integer NOT NULL DEFAULT (0),
      "failed" integer NOT NULL DEFAULT (0))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote);
    for (const table of [t.worker, t.run, t.task, t.job]) await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
