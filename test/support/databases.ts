import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { KRONOS_ENTITIES, Task } from '../../lib/entities/index.js';
import { POSTGRES_MIGRATIONS } from '../../lib/migrations/postgres/index.js';
import { banner, isCI, mysqlSettings, MYSQL_STATUS_ENV, postgresSettings, TMP_ENV } from './settings.js';

export { mysqlSettings, postgresSettings } from './settings.js';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';
export const ALL_DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql'];

/** Name of the TypeORM migrations table the test data sources use (dropped with the Kronos tables). */
export const TEST_MIGRATIONS_TABLE = 'kronos_test_migrations';

/**
 * TypeORM options for a dialect, entities not included. SQLite gets a fresh file each call;
 * `extra` is merged last (e.g. `{ schema: 'other' }` or `{ entityPrefix: 'app_' }`).
 */
export function dataSourceOptions(dialect: Dialect, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  const base = ((): DataSourceOptions => {
    switch (dialect) {
      case 'sqlite': {
        const dir = mkdtempSync(join(process.env[TMP_ENV] || tmpdir(), 'kronos-sqlite-'));
        return { type: 'better-sqlite3', database: join(dir, 'kronos.db') };
      }
      case 'postgres': {
        const s = postgresSettings();
        return {
          type: 'postgres',
          host: s.host,
          port: s.port,
          username: s.user,
          password: s.password,
          database: s.database,
        };
      }
      case 'mysql': {
        const s = mysqlSettings();
        return {
          type: 'mysql',
          host: s.host,
          port: s.port,
          username: s.user,
          password: s.password,
          database: s.database,
        };
      }
    }
  })();
  return { ...base, ...extra } as DataSourceOptions;
}

export interface TestDataSourceOptions {
  /** Build the schema by running the dialect's migrations, or with TypeORM's synchronize. */
  schema: 'migrations' | 'synchronize';
  /** Extra DataSource options (schema, entityPrefix, logging...). */
  options?: Partial<DataSourceOptions>;
}

type MigrationClass = new () => MigrationInterface;

/** The migrations for a dialect, or null while that dialect has none yet (synchronize is used then). */
async function migrationsFor(dialect: Dialect): Promise<MigrationClass[] | null> {
  if (dialect === 'postgres') return POSTGRES_MIGRATIONS;
  const index = new URL('../../lib/migrations/index.ts', import.meta.url);
  if (!existsSync(fileURLToPath(index))) return null;
  const specifier = '../../lib/migrations/index.js';
  const mod: { KRONOS_MIGRATIONS?: Partial<Record<Dialect, MigrationClass[]>> } = await import(specifier);
  return mod.KRONOS_MIGRATIONS?.[dialect] ?? null;
}

/**
 * An initialised DataSource with the Kronos entities on an empty Kronos schema: any Kronos table
 * left by an earlier test is dropped first, then the schema is built as asked.
 */
export async function createTestDataSource(
  dialect: Dialect,
  { schema, options = {} }: TestDataSourceOptions,
): Promise<DataSource> {
  const migrations = schema === 'migrations' ? await migrationsFor(dialect) : null;
  const dataSource = new DataSource({
    ...dataSourceOptions(dialect, options),
    entities: KRONOS_ENTITIES,
    migrations: migrations ?? [],
    migrationsTableName: TEST_MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
  });
  await dataSource.initialize();
  try {
    await dropKronosTables(dataSource);
    if (migrations) await dataSource.runMigrations({ transaction: 'all' });
    else await dataSource.synchronize();
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * Drop the Kronos tables (as named by this DataSource's metadata) and the test migrations table.
 * Plain `DROP TABLE IF EXISTS` rather than TypeORM's look-then-drop, which races with anything
 * else dropping the same table.
 */
export async function dropKronosTables(dataSource: DataSource): Promise<void> {
  const driver = dataSource.driver;
  const schema = (dataSource.options as { schema?: string }).schema;
  if (schema && dataSource.options.type === 'postgres')
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${driver.escape(schema)}`);
  const path = (table: string, tableSchema?: string) =>
    tableSchema ? `${driver.escape(tableSchema)}.${driver.escape(table)}` : driver.escape(table);
  const tables = [
    ...dataSource.entityMetadatas.map((m) => path(m.tableName, m.schema)),
    // The tables of dependencies, batches, paused groups and group rate windows, named after the task table (lib/migrations/flow-tables.ts, group-table.ts).
    ...dataSource.entityMetadatas
      .filter((m) => m.target === Task)
      .flatMap((m) => [
        path(`${m.tableName}_dependency`, m.schema),
        path(`${m.tableName}_batch`, m.schema),
        path(`${m.tableName}_group`, m.schema),
        path(`${m.tableName}_group_rate`, m.schema),
      ]),
    path(TEST_MIGRATIONS_TABLE, dataSource.options.type === 'postgres' ? schema : undefined),
  ];
  for (const table of tables) await dataSource.query(`DROP TABLE IF EXISTS ${table}`);
}

/** Why MariaDB is unusable in this run, or null when it answered the global setup's probe. */
export function mysqlUnavailableReason(): string | null {
  const status = process.env[MYSQL_STATUS_ENV];
  if (status === undefined || status === 'available') return null;
  return status;
}

/** The dialects whose database is usable in this run: sqlite and postgres always, mysql when reachable. */
export function availableDialects(): Dialect[] {
  return ALL_DIALECTS.filter((d) => d !== 'mysql' || mysqlUnavailableReason() === null);
}

/**
 * Declare a suite once and run it for each dialect, titled `<title> [<dialect>]`. A mysql suite
 * whose server did not answer is skipped with a loud notice, or fails when `CI=true`.
 */
export function describeForDialects(
  title: string,
  body: (dialect: Dialect) => void,
  dialects: readonly Dialect[] = ALL_DIALECTS,
): void {
  for (const dialect of dialects) {
    const name = `${title} [${dialect}]`;
    const reason = dialect === 'mysql' ? mysqlUnavailableReason() : null;
    if (reason === null) {
      describe(name, () => body(dialect));
      continue;
    }
    const s = mysqlSettings();
    const lines = [
      `MariaDB/MySQL is not reachable at ${s.host}:${s.port} (${reason}).`,
      `Suite "${name}" cannot run.`,
      'Start MariaDB or set MYSQL_HOST / MYSQL_PORT / MYSQL_USER / MYSQL_PASSWORD / MYSQL_DATABASE.',
    ];
    if (isCI()) {
      describe(name, () => {
        it('needs a reachable MariaDB/MySQL server (CI=true)', () => {
          throw new Error(banner(lines));
        });
      });
    } else {
      console.warn(banner(['SKIPPED', ...lines]));
      describe.skip(name, () => body(dialect));
    }
  }
}
