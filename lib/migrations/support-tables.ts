import type { DataSource } from 'typeorm';
import { flowTables } from './flow-tables.js';
import { groupRateTable, groupTable } from './group-table.js';
import { migrationTables } from './migration-tables.js';

type Dialect = 'postgres' | 'sqlite' | 'mysql';

/**
 * The tables Kronos keeps beside its entities: dependency edges and batches (docs/flow-control.md)
 * paused groups (docs/dashboard.md) and group rate-limit windows. They have no TypeORM entity (nothing reads them through
 * a repository), so their DDL is written here once, used by the migrations that add them and, for
 * an application on `synchronize`, by {@link ensureSupportTables}.
 *
 * `task` is the quoted (and maybe qualified) task table name; with `ifNotExists` the statements
 * are no-ops on a schema that already has the tables.
 */
export function flowTablesDdl(dialect: Dialect, task: string, ifNotExists = false): string[] {
  const f = flowTables(task);
  const ine = ifNotExists ? 'IF NOT EXISTS ' : '';
  switch (dialect) {
    case 'postgres':
      return [
        `CREATE TABLE ${ine}${f.dependency} ("depends_on" bigint NOT NULL, "task_id" bigint NOT NULL, "on_failure" varchar(8) NOT NULL,
         PRIMARY KEY ("depends_on", "task_id"))`,
        `CREATE INDEX ${ine}"kronos_task_dependency_task" ON ${f.dependency} ("task_id")`,
        `CREATE TABLE ${ine}${f.batch} ("id" SERIAL PRIMARY KEY, "description" varchar(255), "stopped" boolean NOT NULL DEFAULT false,
         "callbacks" text, "created_at" bigint NOT NULL, "finished_at" bigint)`,
      ];
    case 'sqlite':
      return [
        `CREATE TABLE ${ine}${f.dependency} ("depends_on" bigint NOT NULL, "task_id" bigint NOT NULL, "on_failure" varchar(8) NOT NULL,
         PRIMARY KEY ("depends_on", "task_id"))`,
        `CREATE INDEX ${ine}"kronos_task_dependency_task" ON ${f.dependency} ("task_id")`,
        `CREATE TABLE ${ine}${f.batch} ("id" integer PRIMARY KEY AUTOINCREMENT, "description" varchar(255), "stopped" boolean NOT NULL DEFAULT 0,
         "callbacks" text, "created_at" bigint NOT NULL, "finished_at" bigint)`,
      ];
    case 'mysql':
      return [
        `CREATE TABLE ${ine}${f.dependency} (\`depends_on\` bigint NOT NULL, \`task_id\` bigint NOT NULL, \`on_failure\` varchar(8) NOT NULL,
         PRIMARY KEY (\`depends_on\`, \`task_id\`), INDEX \`kronos_task_dependency_task\` (\`task_id\`)) ENGINE=InnoDB`,
        `CREATE TABLE ${ine}${f.batch} (\`id\` int NOT NULL AUTO_INCREMENT PRIMARY KEY, \`description\` varchar(255) NULL,
         \`stopped\` tinyint NOT NULL DEFAULT 0, \`callbacks\` text NULL, \`created_at\` bigint NOT NULL, \`finished_at\` bigint NULL) ENGINE=InnoDB`,
      ];
  }
}

/** The paused-groups table's DDL (see {@link flowTablesDdl}). */
export function groupTableDdl(dialect: Dialect, task: string, ifNotExists = false): string[] {
  const g = groupTable(task);
  const ine = ifNotExists ? 'IF NOT EXISTS ' : '';
  switch (dialect) {
    case 'postgres':
      return [
        `CREATE TABLE ${ine}${g} ("name" varchar(64) PRIMARY KEY, "paused_at" bigint NOT NULL, "paused_by" varchar(200))`,
      ];
    case 'sqlite':
      return [
        `CREATE TABLE ${ine}${g} ("name" varchar(64) PRIMARY KEY NOT NULL, "paused_at" bigint NOT NULL, "paused_by" varchar(200))`,
      ];
    case 'mysql':
      return [
        `CREATE TABLE ${ine}${g} (\`name\` varchar(64) NOT NULL, \`paused_at\` bigint NOT NULL, \`paused_by\` varchar(200) NULL, PRIMARY KEY (\`name\`)) ENGINE=InnoDB`,
      ];
  }
}

/**
 * The group rate limits' table (see {@link flowTablesDdl}): a group's current window and the
 * claims counted in it, on the row its rate-limited claims lock.
 */
export function groupRateTableDdl(dialect: Dialect, task: string, ifNotExists = false): string[] {
  const g = groupRateTable(task);
  const ine = ifNotExists ? 'IF NOT EXISTS ' : '';
  switch (dialect) {
    case 'postgres':
      return [
        `CREATE TABLE ${ine}${g} ("name" varchar(64) PRIMARY KEY, "rate_window" bigint, "rate_count" integer NOT NULL DEFAULT 0)`,
      ];
    case 'sqlite':
      return [
        `CREATE TABLE ${ine}${g} ("name" varchar(64) PRIMARY KEY NOT NULL, "rate_window" bigint, "rate_count" integer NOT NULL DEFAULT 0)`,
      ];
    case 'mysql':
      return [
        `CREATE TABLE ${ine}${g} (\`name\` varchar(64) NOT NULL, \`rate_window\` bigint NULL, \`rate_count\` int NOT NULL DEFAULT 0, PRIMARY KEY (\`name\`)) ENGINE=InnoDB`,
      ];
  }
}

const QUOTES: Record<Dialect, (name: string) => string> = {
  postgres: (name) => `"${name.replaceAll('"', '""')}"`,
  sqlite: (name) => `"${name.replaceAll('"', '""')}"`,
  mysql: (name) => `\`${name.replaceAll('`', '``')}\``,
};

/**
 * TypeORM's `synchronize` creates the tables of the Kronos entities but knows nothing of the
 * support tables, so on a DataSource with `synchronize: true` Kronos creates them at start-up
 * (`CREATE TABLE IF NOT EXISTS`: nothing happens when they exist). A DataSource that runs
 * migrations gets them from `KRONOS_MIGRATIONS` and is never sent DDL by this function.
 */
export async function ensureSupportTables(dataSource: DataSource, dialect: Dialect): Promise<void> {
  if (!dataSource.options.synchronize) return;
  const task = migrationTables(
    { connection: dataSource },
    QUOTES[dialect],
    dialect === 'mysql' ? 'database' : 'schema',
  ).task;
  for (const statement of [
    ...flowTablesDdl(dialect, task, true),
    ...groupTableDdl(dialect, task, true),
    ...groupRateTableDdl(dialect, task, true),
  ]) {
    try {
      await dataSource.query(statement);
    } catch {
      // Processes starting together can race on the catalogue (PostgreSQL reports a duplicate
      // type); the second attempt finds the table there and does nothing.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await dataSource.query(statement);
    }
  }
}
