import type { PoolConnection } from 'mysql2';
import type { DataSource, EntityManager } from 'typeorm';

export type Row = Record<string, unknown>;

/** What a write reports (mysql2's ResultSetHeader, reduced to what the engine reads). */
export interface WriteResult {
  affectedRows: number;
  insertId: number;
}

/**
 * One place to send statements: a connection the engine borrowed from TypeORM's pool, or the
 * caller's EntityManager (inside its transaction). Both end in mysql2's `query()`, which formats
 * `?` client-side (an array becomes a list, `VALUES ?` takes an array of rows), so the same text
 * and values work on either.
 */
export interface Session {
  rows(sql: string, values?: unknown[]): Promise<Row[]>;
  write(sql: string, values?: unknown[]): Promise<WriteResult>;
}

export function managerSession(manager: EntityManager): Session {
  return {
    rows: async (sql, values) => await manager.query<Row[]>(sql, values),
    write: async (sql, values) => await manager.query<WriteResult>(sql, values),
  };
}

function connectionSession(connection: PoolConnection): Session {
  const promised = connection.promise();
  return {
    rows: async (sql, values) => (await promised.query(sql, values))[0] as unknown as Row[],
    write: async (sql, values) => (await promised.query(sql, values))[0] as unknown as WriteResult,
  };
}

/** MySQL error number of a mysql2 error, or of the driver error a TypeORM QueryFailedError wraps. */
export const errno = (error: unknown): number | undefined => {
  const e = error as { errno?: number; driverError?: { errno?: number } } | null;
  return e?.errno ?? e?.driverError?.errno;
};

export const ER_DUP_ENTRY = 1062;
export const ER_DUP_KEYNAME = 1061;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;

/** How often a transaction that lost a deadlock (or waited out a lock) is run again from the top. */
const MAX_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether a statement or transaction was rolled back for a deadlock or a lock wait, and may be run again. */
const lostLock = (error: unknown) => {
  const code = errno(error);
  return code === ER_LOCK_DEADLOCK || code === ER_LOCK_WAIT_TIMEOUT;
};

/** Back-off before attempt `attempt + 1`: 10, 20, 40, 80 ms, each ±50%, so the losers do not collide again. */
const backOff = (attempt: number) => sleep(5 * 2 ** attempt * (0.5 + Math.random()));

/** A session whose statements, each its own autocommit transaction, are sent again when they lose a lock. */
function retryingSession(session: Session): Session {
  const again =
    <R>(send: (sql: string, values?: unknown[]) => Promise<R>) =>
    async (sql: string, values?: unknown[]): Promise<R> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await send(sql, values);
        } catch (error) {
          if (!lostLock(error) || attempt >= MAX_ATTEMPTS) throw error;
        }
        await backOff(attempt);
      }
    };
  return {
    rows: again((sql, values) => session.rows(sql, values)),
    write: again((sql, values) => session.write(sql, values)),
  };
}

/**
 * Connections come from the mysql2 pool TypeORM created for the DataSource (its `master` when
 * replication is configured): the engine opens none of its own, and the application's
 * `poolSize`, TLS and time-zone options apply as they are.
 */
export class MysqlConnections {
  constructor(private readonly dataSource: DataSource) {}

  private acquire(): Promise<PoolConnection> {
    const driver = this.dataSource.driver as unknown as { obtainMasterConnection?: () => Promise<PoolConnection> };
    if (!driver.obtainMasterConnection) throw new Error('Kronos: the DataSource does not use the mysql driver');
    return driver.obtainMasterConnection();
  }

  /**
   * Run single statements in autocommit mode on one borrowed connection. Each statement is its
   * own transaction, and one statement can still lose a deadlock: enqueuers racing on one unique
   * key each take a shared lock on the duplicate entry when its holder changes, then all want to
   * insert (InnoDB's documented duplicate-key deadlock). The loser's statement was rolled back
   * whole and changed nothing, so it is sent again, as the transaction below is run again.
   */
  async autocommit<T>(work: (session: Session) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    try {
      return await work(retryingSession(connectionSession(connection)));
    } finally {
      connection.release();
    }
  }

  /**
   * Run `work` in one transaction on one borrowed connection, at READ COMMITTED: locking reads
   * then take record locks only, no gap locks, so a claim never blocks an enqueue inserting
   * next to the rows it locked, and rows a locking read looked at but did not keep are unlocked
   * at once. (This needs binlog_format ROW or MIXED, the defaults of MySQL 8 and MariaDB.)
   * Deadlocks and lock wait timeouts roll the whole transaction back and run it again.
   */
  async transaction<T>(work: (session: Session) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const connection = await this.acquire();
      const session = connectionSession(connection);
      let healthy = true;
      try {
        // Without SESSION this applies to the next transaction only: the pooled connection
        // goes back to TypeORM with its own isolation level.
        await session.write('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await session.write('START TRANSACTION');
        const result = await work(session);
        await session.write('COMMIT');
        return result;
      } catch (error) {
        healthy = await session.write('ROLLBACK').then(
          () => true,
          () => false,
        );
        if (!lostLock(error) || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        // A connection whose rollback failed may still hold a transaction: never hand it back.
        if (healthy) connection.release();
        else connection.destroy();
      }
      await backOff(attempt);
    }
  }
}
