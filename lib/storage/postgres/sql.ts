import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { EntityManager } from 'typeorm';

/** The database clock in epoch milliseconds (clock_timestamp, not now(): a long transaction must not freeze it). */
export const DB_NOW_MS = 'floor(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** Channel of the wake-up notification sent on enqueue. */
export const CHANNEL = 'kronos_task';

/**
 * Channel of the dashboard's change notices: each process sends one, coalesced, after it changed
 * something the pages show (`ChangeNotices`); enqueues are heard on `CHANNEL`.
 */
export const CHANGE_CHANNEL = 'kronos_change';

/**
 * A statement of the engine. Named, it is a prepared statement: the name carries a hash of the
 * text, so the same operation on tables with another schema or prefix is another statement (pg
 * refuses one name for two texts). Unnamed (`name` undefined), it is parsed on every execution,
 * as a transaction-pooling PgBouncer requires: a statement prepared on one server connection is
 * unknown to the next one the pooler hands out.
 */
export interface Statement {
  name: string | undefined;
  text: string;
}

/** Builds an engine's statements; the engine picks one of the two below once, at construction. */
export type MakeStatement = (operation: string, text: string) => Statement;

/** A named prepared statement (the default: parsed and planned once per connection). */
export const statement: MakeStatement = (operation, text) => {
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 10);
  return { name: `kronos_${operation}_${hash}`, text };
};

/** An unnamed statement, for `postgres: { pooling: 'transaction' }`. */
export const unnamedStatement: MakeStatement = (_operation, text) => ({ name: undefined, text });

/** Run a statement on the pool TypeORM owns: named, it is parsed once per connection, then only bound and executed. */
export async function poolQuery<R extends QueryResultRow>(
  pool: Pool,
  sql: Statement,
  values: unknown[],
): Promise<{ rows: R[]; rowCount: number }> {
  const result = await pool.query<R>({ name: sql.name, text: sql.text, values });
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}

/**
 * Run `work` in one transaction on a connection of the pool: BEGIN, then COMMIT when it resolves,
 * ROLLBACK when it throws; the connection goes back to the pool either way.
 */
export async function transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * `transaction`, with the connection handed to `work` as a `Pool`: the statement helpers only
 * call `query`.
 */
export function poolTransaction<T>(pool: Pool, work: (client: Pool) => Promise<T>): Promise<T> {
  return transaction(pool, (client) => work(client as unknown as Pool));
}

/**
 * Run a statement on the caller's EntityManager, i.e. inside its transaction when it has one.
 * TypeORM answers UPDATE/DELETE with `[rows, count]` and everything else with `rows`; the
 * structured result of the manager's query runner avoids guessing.
 */
export async function managerQuery<R>(manager: EntityManager, sql: Statement, values: unknown[]): Promise<R[]> {
  const runner = manager.queryRunner;
  if (runner && !runner.isReleased) {
    const result = await runner.query(sql.text, values, true);
    return (result.records ?? []) as R[];
  }
  const raw: unknown = await manager.query(sql.text, values);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number')
    return raw[0] as R[];
  return (raw ?? []) as R[];
}

/** pg returns BIGINT (and counts) as strings; epoch-ms values fit a JS number exactly. */
export const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/** Durations are INTEGER columns: clamp so a run longer than ~24 days cannot overflow. */
export const INT_MAX = 2147483647;
