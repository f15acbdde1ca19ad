import type { DataSource } from 'typeorm';
import { UnsupportedDatabaseError } from '../errors.js';
import type { StorageEngine } from './engine.js';
import type { ResolvedPostgresOptions } from './postgres-options.js';

/**
 * The engine for the DataSource's database. Engines are imported lazily so an application only
 * needs the driver of the database it uses. `postgres` (the `postgres` module option) is read
 * only by the PostgreSQL engine.
 */
export async function createEngine(dataSource: DataSource, postgres?: ResolvedPostgresOptions): Promise<StorageEngine> {
  const type = dataSource.options.type;
  switch (type) {
    case 'better-sqlite3': {
      const { SqliteEngine } = await import('./sqlite/sqlite.engine.js');
      return new SqliteEngine(dataSource);
    }
    case 'postgres': {
      const { PostgresEngine } = await import('./postgres/postgres.engine.js');
      return new PostgresEngine(dataSource, {
        pooling: postgres?.pooling,
        listenConnection: postgres?.listenConnection,
      });
    }
    case 'mysql':
    case 'mariadb': {
      const { MysqlEngine } = await import('./mysql/mysql.engine.js');
      return new MysqlEngine(dataSource);
    }
    default:
      throw new UnsupportedDatabaseError(type);
  }
}
