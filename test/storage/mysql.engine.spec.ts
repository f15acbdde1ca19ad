import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { Task } from '../../lib/entities/index.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import { MysqlEngine } from '../../lib/storage/mysql/index.js';
import { DB_NOW_MS } from '../../lib/storage/mysql/sql.js';
import { createTestDataSource, describeForDialects, mysqlSettings } from '../support/databases.js';
import { describeEngineContract } from './engine-contract.js';

describeEngineContract('mysql', (dataSource) => new MysqlEngine(dataSource));

/** Columns of an index on the task table, in index order, with `DESC` where the server keeps it. */
async function indexColumns(dataSource: DataSource, index: string): Promise<string[]> {
  const rows: { column_name: string; collation: string | null }[] = await dataSource.query(
    `SELECT column_name AS column_name, collation AS collation FROM information_schema.statistics
      WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? ORDER BY seq_in_index`,
    [dataSource.getMetadata(Task).tableName, index],
  );
  return rows.map((r) => (r.collation === 'D' ? `${r.column_name} DESC` : r.column_name));
}

/**
 * The TypeORM driver type matching the server. TypeORM reads MariaDB's information_schema
 * correctly only under `type: 'mariadb'` (MariaDB reports a nullable column's missing default
 * as the text 'NULL'); under `type: 'mysql'` its schema builder proposes to re-declare every
 * nullable column, whatever created the table.
 */
async function serverType(): Promise<'mysql' | 'mariadb'> {
  const s = mysqlSettings();
  const connection = await mysql.createConnection({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
  });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test((rows as { version: string }[])[0].version) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

const DUE_COLUMNS = ['status', 'group_name', 'priority DESC', 'next_run_time', 'id'];

describeForDialects(
  'MySQL schema and engine start-up',
  () => {
    let dataSource: DataSource | undefined;

    afterEach(async () => {
      await dataSource?.destroy();
      dataSource = undefined;
    });

    it('the migration builds exactly the schema the entities describe, plus the claim index', async () => {
      dataSource = await createTestDataSource('mysql', { schema: 'migrations', options: { type: await serverType() } });
      const log = await dataSource.driver.createSchemaBuilder().log();
      expect(log.upQueries.map((q) => q.query)).toEqual([]);
      expect(await indexColumns(dataSource, 'kronos_task_due')).toEqual(DUE_COLUMNS);

      for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration({ transaction: 'all' });
      const runner = dataSource.createQueryRunner();
      try {
        for (const metadata of dataSource.entityMetadatas)
          expect(await runner.hasTable(metadata.tablePath)).toBe(false);
      } finally {
        await runner.release();
      }
    });

    it('start() creates the claim index once on a synchronized schema, and synchronize leaves it alone', async () => {
      dataSource = await createTestDataSource('mysql', {
        schema: 'synchronize',
        options: { type: await serverType() },
      });
      expect(await indexColumns(dataSource, 'kronos_task_due')).toEqual([]);
      const engine = await createEngine(dataSource);
      expect(engine).toBeInstanceOf(MysqlEngine);
      await Promise.all([engine.start(), engine.start()]);
      await new MysqlEngine(dataSource).start(); // a second node starting later
      expect(await indexColumns(dataSource, 'kronos_task_due')).toEqual(DUE_COLUMNS);
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
      await engine.close();
    });

    it('the database clock is UTC epoch milliseconds whatever the session time zone', async () => {
      dataSource = await createTestDataSource('mysql', { schema: 'synchronize' });
      const runner = dataSource.createQueryRunner();
      try {
        await runner.query(`SET time_zone = '+05:30'`);
        const [{ now }]: { now: string }[] = await runner.query(`SELECT ${DB_NOW_MS} AS now`);
        expect(Math.abs(Number(now) - Date.now())).toBeLessThan(60_000);
      } finally {
        await runner.query(`SET time_zone = DEFAULT`);
        await runner.release();
      }
    });
  },
  ['mysql'],
);
