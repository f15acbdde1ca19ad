import type { DataSource } from 'typeorm';
import { Task } from '../../lib/entities/index.js';
import {
  KronosInitPostgres1764000000000,
  KronosTraceContextPostgres1765000000000,
  KronosAuditPostgres1766000000000,
  KronosDedupPostgres1767000000000,
  KronosRateLimitPostgres1768000000000,
  KronosFlowPostgres1769000000000,
  KronosGroupsPostgres1770000000000,
  KronosGroupRateLimitPostgres1772000000000,
  KronosTaskFillfactorPostgres1773000000000,
  POSTGRES_MIGRATIONS,
} from '../../lib/migrations/postgres/index.js';
import { PostgresEngine } from '../../lib/storage/postgres/index.js';
import { createTestDataSource } from '../support/databases.js';
import { claimRequest, newTask, sleep, T0 } from './contract/fixtures.js';
import { describeEngineContract } from './engine-contract.js';

describeEngineContract('postgres', (dataSource) => new PostgresEngine(dataSource));

const taskOptions = async (dataSource: DataSource): Promise<string[] | null> =>
  (await dataSource.query(`SELECT reloptions FROM pg_class WHERE oid = 'kronos_task'::regclass`))[0].reloptions;

const indexDefinition = async (
  dataSource: DataSource,
  name: string,
  schema = 'public',
): Promise<string | undefined> => {
  const rows: { indexdef: string }[] = await dataSource.query(
    'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2',
    [schema, name],
  );
  return rows[0]?.indexdef;
};

describe('PostgreSQL migration', () => {
  let dataSource: DataSource | undefined;
  afterEach(async () => {
    await dataSource?.destroy();
    dataSource = undefined;
  });

  it('is exported as POSTGRES_MIGRATIONS', () => {
    expect(POSTGRES_MIGRATIONS).toEqual([
      KronosInitPostgres1764000000000,
      KronosTraceContextPostgres1765000000000,
      KronosAuditPostgres1766000000000,
      KronosDedupPostgres1767000000000,
      KronosRateLimitPostgres1768000000000,
      KronosFlowPostgres1769000000000,
      KronosGroupsPostgres1770000000000,
      KronosGroupRateLimitPostgres1772000000000,
      KronosTaskFillfactorPostgres1773000000000,
    ]);
  });

  it('builds exactly the schema the entities describe: the schema builder has nothing left to do', async () => {
    dataSource = await createTestDataSource('postgres', { schema: 'migrations' });
    const log = await dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((q) => q.query)).toEqual([]);
    expect(await indexDefinition(dataSource, 'kronos_task_uuid')).toMatch(
      /^CREATE UNIQUE INDEX kronos_task_uuid ON public\.kronos_task USING btree \(uuid\)$/,
    );
    expect(await indexDefinition(dataSource, 'kronos_task_due')).toBe(
      "CREATE INDEX kronos_task_due ON public.kronos_task USING btree (group_name, priority DESC, next_run_time, id) WHERE ((status)::text = 'QUEUED'::text)",
    );
  });

  it("leaves room in the task table's pages for the versions its claim and completion write (fillfactor 70)", async () => {
    dataSource = await createTestDataSource('postgres', { schema: 'migrations' });
    expect(await taskOptions(dataSource)).toEqual(['fillfactor=70']);
    await dataSource.undoLastMigration({ transaction: 'all' });
    expect(await taskOptions(dataSource)).toBeNull();
  });

  it('down() drops the five tables', async () => {
    dataSource = await createTestDataSource('postgres', { schema: 'migrations' });
    for (let i = 0; i < POSTGRES_MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'all' });
    const runner = dataSource.createQueryRunner();
    for (const table of ['kronos_job', 'kronos_task', 'kronos_run', 'kronos_worker', 'kronos_audit'])
      expect(await runner.hasTable(table)).toBe(false);
    await runner.release();
  });

  it('follows the DataSource schema and entityPrefix, and so does the engine', async () => {
    dataSource = await createTestDataSource('postgres', {
      schema: 'migrations',
      options: { schema: 'kronos_alt', entityPrefix: 'app_' },
    });
    expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    expect(await indexDefinition(dataSource, 'kronos_task_due', 'kronos_alt')).toContain(
      'ON kronos_alt.app_kronos_task',
    );
    const engine = new PostgresEngine(dataSource);
    await engine.start();
    try {
      const [created] = await engine.enqueue([newTask()]);
      expect((await engine.claim(claimRequest())).map((t) => t.id)).toEqual([created.id]);
      const rows: { n: string }[] = await dataSource.query('SELECT count(*) AS n FROM kronos_alt.app_kronos_task');
      expect(Number(rows[0].n)).toBe(1);
    } finally {
      await engine.close();
    }
  });
});

describe('PostgresEngine specifics', () => {
  let dataSource: DataSource;
  let engine: PostgresEngine;
  const signal = new AbortController().signal;
  const listenerBackends = async (): Promise<number[]> =>
    (
      await dataSource.query(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'kronos listener' AND datname = current_database()`,
      )
    ).map((r: { pid: number }) => r.pid);

  beforeAll(async () => {
    // Built by synchronize: the claim index is then only created by the engine's start().
    dataSource = await createTestDataSource('postgres', { schema: 'synchronize' });
    engine = new PostgresEngine(dataSource);
  });
  afterAll(async () => {
    await engine.close();
    await dataSource.destroy();
  });

  it('start() creates the partial claim index when the schema lacks it, and is idempotent', async () => {
    expect(await indexDefinition(dataSource, 'kronos_task_due')).toBeUndefined();
    await Promise.all([engine.start(), engine.start()]);
    expect(await indexDefinition(dataSource, 'kronos_task_due')).toContain("WHERE ((status)::text = 'QUEUED'::text)");
    expect(await listenerBackends()).toHaveLength(1);
  });

  it("start() gives a synchronized task table the migrations' fillfactor, and keeps one a DBA chose", async () => {
    await engine.start();
    expect(await taskOptions(dataSource)).toEqual(['fillfactor=70']);
    await dataSource.query('ALTER TABLE kronos_task SET (fillfactor = 90)');
    const another = new PostgresEngine(dataSource);
    try {
      await another.start();
      expect(await taskOptions(dataSource)).toEqual(['fillfactor=90']);
    } finally {
      await another.close();
      await dataSource.query('ALTER TABLE kronos_task SET (fillfactor = 70)');
    }
  });

  it('runs the hot path as named prepared statements on the pool TypeORM owns', async () => {
    const pool = (dataSource.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const original = pool.query;
    const names: unknown[] = [];
    pool.query = function (this: unknown, ...args: unknown[]) {
      const name = (args[0] as { name?: string }).name;
      if (name?.startsWith('kronos_enqueue_') || name?.startsWith('kronos_claim_')) names.push(name);
      return original.apply(this, args);
    };
    try {
      await engine.enqueue([newTask()]);
      const [claimed] = await engine.claim(claimRequest());
      expect(claimed).toBeDefined();
      // The wake-up NOTIFY travels inside the enqueue statement. The claim goes through the pool,
      // not the listening connection: claiming there measured slower, with more worker CPU and
      // memory, and no faster wake-up (docs/performance.md, "Wake-up").
      expect(names).toEqual([expect.stringMatching(/^kronos_enqueue_/), expect.stringMatching(/^kronos_claim_/)]);
    } finally {
      pool.query = original;
    }
  });

  it('a transactional enqueue wakes waiters at commit, and never on rollback', async () => {
    await engine.waitForWork(30, signal);
    let woke = false;
    const waiting = engine.waitForWork(2_000, signal).then(() => (woke = true));
    await expect(
      dataSource.transaction(async (manager) => {
        await engine.enqueue([newTask()], manager);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await dataSource.transaction(async (manager) => {
      await engine.enqueue([newTask()], manager);
      await sleep(150);
      expect(woke).toBe(false); // not before COMMIT
    });
    const committedAt = Date.now();
    await waiting;
    expect(Date.now() - committedAt).toBeLessThan(100);
  });

  it('the listener reconnects after its connection is killed, then wakes on enqueue again', async () => {
    const [pid] = await listenerBackends();
    await dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
    for (let i = 0; i < 100; i++) {
      const pids = await listenerBackends();
      if (pids.length === 1 && pids[0] !== pid) break;
      await sleep(50);
    }
    expect(await listenerBackends()).not.toContain(pid);
    expect(await listenerBackends()).toHaveLength(1);
    await engine.waitForWork(30, signal); // the wake-up sent after reconnecting
    const waiting = engine.waitForWork(5_000, signal);
    const [created] = await engine.enqueue([newTask({ nextRunTime: T0 })]);
    const enqueuedAt = Date.now();
    await waiting;
    expect(Date.now() - enqueuedAt).toBeLessThan(100);
    expect(await dataSource.getRepository(Task).countBy({ id: created.id })).toBe(1);
  });

  it('close() ends only its own listener and leaves the DataSource usable', async () => {
    const other = new PostgresEngine(dataSource);
    await other.start();
    expect(await listenerBackends()).toHaveLength(2);
    await other.close();
    await other.close();
    expect(await listenerBackends()).toHaveLength(1);
    expect(dataSource.isInitialized).toBe(true);
    expect((await other.claim(claimRequest({ limit: 1 }))).length).toBeLessThanOrEqual(1);
  });
});
