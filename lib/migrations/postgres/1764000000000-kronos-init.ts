import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Creates the Kronos tables on PostgreSQL exactly as the entities describe them (a test checks
 * that TypeORM's schema builder finds nothing left to change), plus the partial claim index
 * `kronos_task_due`, which only holds QUEUED rows.
 */
export class KronosInitPostgres1764000000000 implements MigrationInterface {
  name = 'KronosInitPostgres1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    await queryRunner.query(`CREATE TABLE ${t.job} (
      "name" character varying(200) NOT NULL, "kind" character varying(16) NOT NULL, "schedule" text,
      "schedule_normalized" text, "timezone" character varying(64),
      "schedule_set_by" character varying(8) NOT NULL DEFAULT 'code', "active" boolean NOT NULL,
      "active_set_by" character varying(8) NOT NULL DEFAULT 'code', "description" text, "timeout_ms" integer,
      "retries" integer NOT NULL DEFAULT 0, "group_name" character varying(64) NOT NULL,
      "priority" integer NOT NULL DEFAULT 0, "kwargs" text, "source" character varying(16) NOT NULL DEFAULT 'code',
      "missing" boolean NOT NULL DEFAULT false, "first_seen" bigint NOT NULL, "last_seen" bigint NOT NULL,
      "updated_at" bigint NOT NULL,
      PRIMARY KEY ("name"))`);
    await queryRunner.query(`CREATE TABLE ${t.task} (
      "id" SERIAL NOT NULL, "uuid" character varying(64) NOT NULL, "job_name" character varying(200) NOT NULL,
      "payload" text, "status" character varying(16) NOT NULL, "group_name" character varying(64) NOT NULL,
      "priority" integer NOT NULL DEFAULT 0, "next_run_time" bigint NOT NULL, "stop_time" bigint,
      "timeout_ms" integer, "retries" integer NOT NULL DEFAULT 0, "attempt" integer NOT NULL DEFAULT 0,
      "times_run" integer NOT NULL DEFAULT 0, "times_failed" integer NOT NULL DEFAULT 0,
      "repeats" integer NOT NULL DEFAULT 0, "schedule" text, "last_run_time" bigint,
      "assigned_worker" character varying(200), "claim_token" character varying(64), "claimed_at" bigint,
      "run_as" character varying(200), "queued_by" character varying(200), "progress" integer,
      "progress_message" text, "output" text, "stop_requested" boolean NOT NULL DEFAULT false,
      "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL,
      PRIMARY KEY ("id"))`);
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
      "id" SERIAL NOT NULL, "task_id" integer NOT NULL, "job_name" character varying(200) NOT NULL,
      "status" character varying(16) NOT NULL, "worker" character varying(200), "attempt" integer NOT NULL DEFAULT 1,
      "scheduled_for" bigint, "start_time" bigint NOT NULL, "stop_time" bigint, "duration_ms" integer,
      "result" text, "message" text, "output" text, "traceback" text, "run_as" character varying(200),
      PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "kronos_run_task" ON ${t.run} ("task_id")`);
    await queryRunner.query(`CREATE INDEX "kronos_run_job" ON ${t.run} ("job_name", "id")`);
    await queryRunner.query(
      `CREATE INDEX "kronos_run_status" ON ${t.run} ("status", "id") WHERE "status" <> 'COMPLETED'`,
    );
    await queryRunner.query(`CREATE TABLE ${t.worker} (
      "name" character varying(200) NOT NULL, "hostname" character varying(200) NOT NULL, "pid" integer NOT NULL,
      "groups" text NOT NULL, "status" character varying(16) NOT NULL, "first_heartbeat" bigint NOT NULL,
      "last_heartbeat" bigint NOT NULL, "running" integer NOT NULL DEFAULT 0,
      "completed" integer NOT NULL DEFAULT 0, "failed" integer NOT NULL DEFAULT 0,
      PRIMARY KEY ("name"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner, quote, 'schema');
    for (const table of [t.worker, t.run, t.task, t.job]) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
