import type { DataSource } from 'typeorm';
import {
  KronosInitSqlite1764000000000,
  KronosTraceContextSqlite1765000000000,
  KronosAuditSqlite1766000000000,
  KronosDedupSqlite1767000000000,
  KronosRateLimitSqlite1768000000000,
  KronosFlowSqlite1769000000000,
  KronosGroupsSqlite1770000000000,
  KronosGroupRateLimitSqlite1772000000000,
  SQLITE_MIGRATIONS,
} from '../../lib/migrations/sqlite/index.js';
import { SqliteEngine } from '../../lib/storage/sqlite/sqlite.engine.js';
import { createTestDataSource } from '../support/databases.js';
import { claimRequest, newTask } from './contract/fixtures.js';
import { describeEngineContract } from './engine-contract.js';

describeEngineContract('sqlite', (dataSource) => new SqliteEngine(dataSource));

describe('SQLite migration', () => {
  let dataSource: DataSource | undefined;
  afterEach(async () => {
    await dataSource?.destroy();
    dataSource = undefined;
  });

  it('is exported as SQLITE_MIGRATIONS', () => {
    expect(SQLITE_MIGRATIONS).toEqual([
      KronosInitSqlite1764000000000,
      KronosTraceContextSqlite1765000000000,
      KronosAuditSqlite1766000000000,
      KronosDedupSqlite1767000000000,
      KronosRateLimitSqlite1768000000000,
      KronosFlowSqlite1769000000000,
      KronosGroupsSqlite1770000000000,
      KronosGroupRateLimitSqlite1772000000000,
    ]);
  });

  it('builds exactly the schema the entities describe: the schema builder has nothing left to do', async () => {
    dataSource = await createTestDataSource('sqlite', { schema: 'migrations' });
    const log = await dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((q) => q.query)).toEqual([]);
    const [index] = await dataSource.query(`SELECT sql FROM sqlite_master WHERE name = 'kronos_task_due'`);
    expect(index.sql).toContain(`WHERE "status" = 'QUEUED'`);
  });

  it('follows the entityPrefix, and so does the engine', async () => {
    dataSource = await createTestDataSource('sqlite', { schema: 'migrations', options: { entityPrefix: 'app_' } });
    expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    const engine = new SqliteEngine(dataSource);
    await engine.start();
    try {
      const [created] = await engine.enqueue([newTask()]);
      expect((await engine.claim(claimRequest())).map((t) => t.id)).toEqual([created.id]);
      const [row] = await dataSource.query('SELECT count(*) AS n FROM app_kronos_task');
      expect(Number(row.n)).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('down() drops the five tables', async () => {
    dataSource = await createTestDataSource('sqlite', { schema: 'migrations' });
    for (let i = 0; i < SQLITE_MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'all' });
    const runner = dataSource.createQueryRunner();
    for (const table of ['kronos_job', 'kronos_task', 'kronos_run', 'kronos_worker', 'kronos_audit'])
      expect(await runner.hasTable(table)).toBe(false);
    await runner.release();
  });
});
