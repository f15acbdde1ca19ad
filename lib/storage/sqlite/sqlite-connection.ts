import BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { KronosError } from '../../errors.js';

type Database = BetterSqlite3.Database;

/** How long start-up waits for an SQLite file that other processes hold locked, before failing. */
export const STARTUP_BUSY_MS = 30_000;

/**
 * The engine's own connection to the application's SQLite file.
 *
 * Why not TypeORM's connection: TypeORM keeps one connection per SQLite file, and an application
 * transaction spans `await`s on it; a claim or completion issued on that connection meanwhile
 * would silently join (and be rolled back with) the application's transaction. A second
 * connection in WAL mode reads without blocking and writes in its own transactions.
 *
 * Why `busy_timeout = 0` and asynchronous retry: better-sqlite3 is synchronous, so a busy wait
 * would block the event loop, and with it the very application transaction holding the lock.
 * `withBusyRetry` backs off with timers instead. Switching a file to WAL takes an exclusive lock,
 * which processes starting at the same moment contend for: it is retried like the rest.
 */
export async function openEngineConnection(
  dataSource: DataSource,
): Promise<{ db: Database; owned: boolean; file: string }> {
  const options = dataSource.options as { database?: string };
  const file = options.database;
  if (!file || file === ':memory:') {
    // An in-memory database exists only on TypeORM's connection: share it (tests only).
    const shared = (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
    return { db: shared, owned: false, file: ':memory:' };
  }
  const db = new BetterSqlite3(file, { timeout: 0 });
  try {
    await atStartup(file, () => db.pragma('journal_mode = WAL'));
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    db.close();
    throw error;
  }
  return { db, owned: true, file };
}

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Run a synchronous database operation, retrying on SQLITE_BUSY with back-off (up to ~`maxMs`). */
export async function withBusyRetry<T>(operation: () => T, maxMs = 10_000): Promise<T> {
  let delay = 2;
  const deadline = Date.now() + maxMs;
  for (;;) {
    try {
      return operation();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 100);
    }
  }
}

/**
 * A start-up step on `file`: retried while other processes hold the file locked (up to
 * `STARTUP_BUSY_MS`), then a one-line error naming the file.
 */
export async function atStartup<T>(file: string, operation: () => T): Promise<T> {
  try {
    return await withBusyRetry(operation, STARTUP_BUSY_MS);
  } catch (error) {
    if (!isBusy(error)) throw error;
    throw new KronosError(
      `The SQLite database ${file} stayed locked by another process for ${STARTUP_BUSY_MS / 1000} s while Kronos started (${(error as Error).message}).`,
    );
  }
}
