import type { EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';
import { AuditEntry, JobDefinition, Run, Task, Worker } from '../entities/index.js';
import { TABLES } from '../entities/columns.js';

export type MigrationTables = Record<keyof typeof TABLES, string>;

/**
 * Quoted table names for a migration: from the DataSource's entity metadata when the Kronos
 * entities are registered on it (so a `schema` option, a database named on the entities or an
 * `entityPrefix` applies), else the defaults.
 */
export function migrationTables(
  queryRunner: Pick<QueryRunner, 'connection'>,
  quote: (name: string) => string,
  /** What qualifies a table name on this dialect: a schema (PostgreSQL) or a database (MySQL). */
  qualifier: 'schema' | 'database' = 'schema',
): MigrationTables {
  const connection = queryRunner.connection;
  const name = (entity: EntityTarget<ObjectLiteral>, fallback: string): string => {
    if (!connection.hasMetadata(entity)) return quote(fallback);
    const metadata = connection.getMetadata(entity);
    const prefix = metadata[qualifier];
    return prefix ? `${quote(prefix)}.${quote(metadata.tableName)}` : quote(metadata.tableName);
  };
  return {
    job: name(JobDefinition, TABLES.job),
    task: name(Task, TABLES.task),
    run: name(Run, TABLES.run),
    worker: name(Worker, TABLES.worker),
    audit: name(AuditEntry, TABLES.audit),
  };
}
