import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { JobDefinition, Run, Task, Worker } from '../../entities/index.js';

/** Quoted, schema-qualified table names, resolved once from the DataSource's entity metadata. */
export interface PgTables {
  task: string;
  run: string;
  job: string;
  worker: string;
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Names come from TypeORM's metadata (not the `kronos_*` defaults) so a DataSource `schema`
 * option or an `entityPrefix` reaches the hand-written SQL too.
 */
export function pgTables(dataSource: DataSource): PgTables {
  const path = (entity: EntityTarget<ObjectLiteral>): string => {
    const { schema, tableName } = dataSource.getMetadata(entity);
    return schema ? `${quoteIdent(schema)}.${quoteIdent(tableName)}` : quoteIdent(tableName);
  };
  return { task: path(Task), run: path(Run), job: path(JobDefinition), worker: path(Worker) };
}
