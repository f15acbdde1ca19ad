import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { JobDefinition, Run, Task, Worker } from '../../entities/index.js';

/**
 * The database clock in epoch milliseconds. Built from UTC_TIMESTAMP rather than the shorter
 * `CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)`: NOW() is in the session time zone, and in a
 * zone with daylight saving the repeated autumn hour maps back to the wrong instant for an hour
 * a year. UTC_TIMESTAMP does not depend on the session, and TIMESTAMPDIFF is plain arithmetic.
 * Like NOW() it is fixed for the duration of one statement, on MySQL 8 and MariaDB alike.
 */
export const DB_NOW_MS = `(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)`;

/** An `Instant` parameter: the given epoch ms, or the database clock when it is null. */
export const CLOCK = `COALESCE(?, ${DB_NOW_MS})`;

/** Durations are INT columns: clamp so a run longer than ~24 days cannot overflow. */
export const INT_MAX = 2147483647;
export const duration = (from: number, to: number): number => Math.min(Math.max(to - from, 0), INT_MAX);

/** mysql2 returns BIGINT (as TypeORM configures it) as strings; epoch-ms values fit a JS number exactly. */
export const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/** Backtick-quoted table names, resolved once from the DataSource's entity metadata. */
export interface MysqlTables {
  task: string;
  run: string;
  job: string;
  worker: string;
}

export const quoteIdent = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Names come from TypeORM's metadata (not the `kronos_*` defaults) so an `entityPrefix`, or a
 * database named on the entities, reaches the hand-written SQL too.
 */
export function mysqlTables(dataSource: DataSource): MysqlTables {
  const path = (entity: EntityTarget<ObjectLiteral>): string => {
    const { database, tableName } = dataSource.getMetadata(entity);
    return database ? `${quoteIdent(database)}.${quoteIdent(tableName)}` : quoteIdent(tableName);
  };
  return { task: path(Task), run: path(Run), job: path(JobDefinition), worker: path(Worker) };
}

/**
 * A derived table of literal rows, `SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? ...`, to join an
 * UPDATE against (MySQL 8 spells a table value constructor `VALUES ROW(...)`, MariaDB `VALUES
 * (...)`; a UNION of SELECTs reads the same on both). Only join it on integer columns: its text
 * columns carry the connection's collation, and comparing them with a table column of another
 * collation is an error on MySQL.
 */
export function literalRows(
  columns: readonly string[],
  rows: readonly unknown[][],
): { sql: string; values: unknown[] } {
  const first = `SELECT ${columns.map((c) => `? AS ${c}`).join(', ')}`;
  const next = `SELECT ${columns.map(() => '?').join(', ')}`;
  return {
    sql: rows.map((_, i) => (i === 0 ? first : next)).join(' UNION ALL '),
    values: rows.flat(),
  };
}
