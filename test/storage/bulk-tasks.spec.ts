import type { DataSource } from 'typeorm';
import { Run, Task } from '../../lib/entities/index.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import type { FlowTask, PruneFilter, PrunedBatch, StorageEngine } from '../../lib/storage/engine.js';
import { FINISHED_TASK_STATUSES } from '../../lib/types.js';
import { createTestDataSource, describeForDialects, dropKronosTables } from '../support/databases.js';
import { newTask } from './contract/fixtures.js';
import { mysqlRetryUpdates } from '../../lib/storage/mysql/bulk.sql.js';
import { bulkStatements } from '../../lib/storage/postgres/bulk.sql.js';
import { flowTables } from '../../lib/migrations/flow-tables.js';
import { BULK_BATCH } from '../../lib/dashboard/dashboard-bulk.js';
import { countPrunable, prune } from '../../lib/maintenance/prune.js';

const NOW = 1_900_000_000_000;

/** Bulk actions change one batch of tasks per call, the same way on every database. */
describeForDialects('StorageEngine.bulkTasks', (dialect) => {
  let dataSource: DataSource;
  let engine: StorageEngine;
  beforeAll(async () => {
    dataSource = await createTestDataSource(dialect, { schema: 'migrations' });
    engine = await createEngine(dataSource);
    await engine.start();
  });
  afterAll(async () => {
    await engine?.close();
    if (dataSource?.isInitialized) await dropKronosTables(dataSource);
    await dataSource?.destroy();
  });

  /** One task per status given, plus a recurring task in the first status; returns their ids by label. */
  async function seed(statuses: string[]): Promise<Record<string, number>> {
    await dataSource.getRepository(Run).clear();
    await dataSource.getRepository(Task).clear();
    await dataSource.query('DELETE FROM kronos_task_dependency');
    await dataSource.query('DELETE FROM kronos_task_batch');
    const tasks = [
      ...statuses.map((s) => newTask({ uuid: `bulk-${s}` })),
      newTask({ uuid: 'kronos:schedule:nightly' }),
    ];
    const created = await engine.enqueue(tasks);
    const ids: Record<string, number> = {};
    for (const [i, status] of statuses.entries()) {
      ids[status] = created[i].id;
      await dataSource.getRepository(Task).update(created[i].id, {
        status: status as never,
        attempt: 2,
        stopTime: 5,
        assignedWorker: status === 'RUNNING' ? 'w' : null,
      });
    }
    ids.recurring = created[statuses.length].id;
    await dataSource.getRepository(Task).update(ids.recurring, { status: statuses[0] as never });
    for (const id of Object.values(ids)) {
      await dataSource
        .getRepository(Run)
        .insert({ taskId: id, jobName: 'j', status: 'FAILED', attempt: 1, startTime: 1, stopTime: 2 });
    }
    return ids;
  }
  const task = (id: number) => dataSource.getRepository(Task).findOneByOrFail({ id });

  it('retry queues finished tasks again in place (every finished status but COMPLETED), due now, attempts reset; others and the recurring task untouched', async () => {
    const ids = await seed([
      'FAILED',
      'TIMEOUT',
      'EXPIRED',
      'STOPPED',
      'CANCELLED',
      'COMPLETED',
      'RUNNING',
      'QUEUED',
      'WAITING',
    ]);
    const retryable = FINISHED_TASK_STATUSES.filter((s) => s !== 'COMPLETED');
    expect(retryable).toEqual(['FAILED', 'TIMEOUT', 'STOPPED', 'EXPIRED', 'CANCELLED']);
    expect(await engine.bulkTasks('retry', Object.values(ids), NOW)).toBe(5);
    for (const status of retryable) {
      const t = await task(ids[status]);
      expect([status, t.status, t.nextRunTime, t.attempt, t.stopTime]).toEqual([status, 'QUEUED', NOW, 0, null]);
    }
    expect((await task(ids.COMPLETED)).status).toBe('COMPLETED');
    expect((await task(ids.RUNNING)).status).toBe('RUNNING');
    expect((await task(ids.WAITING)).status).toBe('WAITING');
    expect((await task(ids.recurring)).status).toBe('FAILED');
  });

  it('stop ends waiting and queued tasks and asks running ones to stop', async () => {
    const ids = await seed(['QUEUED', 'WAITING', 'RUNNING', 'FAILED']);
    expect(
      await engine.bulkTasks('stop', [ids.QUEUED, ids.WAITING, ids.RUNNING, ids.FAILED, ids.recurring], null),
    ).toBe(3);
    expect((await task(ids.QUEUED)).status).toBe('STOPPED');
    expect((await task(ids.WAITING)).status).toBe('STOPPED');
    expect(await task(ids.RUNNING)).toMatchObject({ status: 'RUNNING', stopRequested: true });
    expect((await task(ids.recurring)).status).toBe('QUEUED');
    expect(await engine.bulkTasks('stop', [ids.RUNNING], null)).toBe(0);
  });

  it('delete removes tasks that are not running, with their runs', async () => {
    const ids = await seed(['COMPLETED', 'FAILED', 'RUNNING']);
    expect(await engine.bulkTasks('delete', Object.values(ids), NOW)).toBe(2);
    const left = (await dataSource.getRepository(Task).find()).map((t) => t.id).sort((a, b) => a - b);
    expect(left).toEqual([ids.RUNNING, ids.recurring].sort((a, b) => a - b));
    const runs = (await dataSource.getRepository(Run).find()).map((r) => r.taskId).sort((a, b) => a - b);
    expect(runs).toEqual(left);
    expect(await engine.bulkTasks('delete', [], NOW)).toBe(0);
  });

  // Retention and `kronos prune` delete in batches that go up the ids, each resuming after the last
  // id the one before deleted, so a batch never walks again past what was deleted before it
  // (docs/performance.md, "Run history prune").
  const HORIZON = 1_800_000_000_000;
  const OLD = HORIZON - 86_400_000;

  /** The engine, with every pruneBatch call and its result written down. */
  function recording(): { engine: StorageEngine; calls: { kind: string; filter: PruneFilter; result: PrunedBatch }[] } {
    const calls: { kind: string; filter: PruneFilter; result: PrunedBatch }[] = [];
    const wrapped = Object.create(engine) as StorageEngine;
    wrapped.pruneBatch = async (kind, filter, limit) => {
      const result = await engine.pruneBatch(kind, filter, limit);
      calls.push({ kind, filter, result });
      return result;
    };
    return { engine: wrapped, calls };
  }

  it('deletes every old run and finished task over many batches, each resuming after the last id deleted, and keeps the newer ones', async () => {
    await dataSource.getRepository(Run).clear();
    await dataSource.getRepository(Task).clear();
    // 2,500 old runs, every 50th run a newer one among them.
    const rows = Array.from({ length: 2_550 }, (_, i) => {
      const start = i % 51 === 50 ? HORIZON + i : OLD + i;
      return { taskId: 1, jobName: 'j', status: 'COMPLETED' as const, attempt: 1, startTime: start, stopTime: start };
    });
    for (let i = 0; i < rows.length; i += 500) await dataSource.getRepository(Run).insert(rows.slice(i, i + 500));
    const newerRuns = rows.filter((r) => r.startTime >= HORIZON).length;
    // 1,200 finished tasks, old but for every 40th.
    const tasks = await engine.enqueue(Array.from({ length: 1_200 }, () => newTask()));
    const ids = tasks.map((t) => t.id);
    await dataSource
      .getRepository(Task)
      .createQueryBuilder()
      .update()
      .set({ status: 'COMPLETED', updatedAt: OLD })
      .execute();
    const newerTasks = ids.filter((_, i) => i % 40 === 39);
    for (const id of newerTasks) await dataSource.getRepository(Task).update(id, { updatedAt: HORIZON + 1 });

    const { engine: watched, calls } = recording();
    const done = await prune(watched, { before: HORIZON, batchSize: 1_000 });

    expect(done).toEqual({ runs: 2_500, tasks: 1_200 - newerTasks.length });
    expect(await dataSource.getRepository(Run).count()).toBe(newerRuns);
    expect((await dataSource.getRepository(Task).find({ order: { id: 'ASC' } })).map((t) => t.id)).toEqual(newerTasks);
    for (const kind of ['runs', 'tasks']) {
      const batches = calls.filter((c) => c.kind === kind);
      expect(batches.map((c) => c.result.deleted)).toEqual(kind === 'runs' ? [1_000, 1_000, 500] : [1_000, 170]);
      expect(batches[0].filter.afterId).toBe(0);
      for (let n = 1; n < batches.length; n++) {
        expect(batches[n].filter.afterId).toBe(batches[n - 1].result.lastId);
        expect(batches[n].result.lastId).toBeGreaterThan(batches[n - 1].result.lastId);
      }
    }
  });

  describe('with dependencies and batches', () => {
    const flowTask = (dependsOn: number[], overrides: Partial<FlowTask> = {}): FlowTask => ({
      ...newTask(),
      dependsOn,
      onDependencyFailure: 'cancel',
      ...overrides,
    });
    const batch = { description: 'import', callbacks: null, now: NOW };
    const setStatus = (id: number, status: string) =>
      dataSource.getRepository(Task).update(id, { status: status as never });
    const reset = async () => {
      await dataSource.getRepository(Run).clear();
      await dataSource.getRepository(Task).clear();
      await dataSource.query('DELETE FROM kronos_task_dependency');
      await dataSource.query('DELETE FROM kronos_task_batch');
    };
    const edges = async () => Number((await dataSource.query('SELECT COUNT(*) AS n FROM kronos_task_dependency'))[0].n);

    it('stop settles flow as a single stop does: the dependents of a stopped task are cancelled and its batch is finished', async () => {
      const { recurring } = await seed(['COMPLETED']);
      const [a] = await engine.enqueue([newTask()]);
      const {
        tasks: [w, c],
        batchId,
      } = await engine.enqueueFlow([flowTask([a.id]), flowTask([], { dependsOnItems: [0] })], batch);
      expect([(await task(w.id)).status, (await task(c.id)).status]).toEqual(['WAITING', 'WAITING']);
      expect(await engine.bulkTasks('stop', [w.id, recurring], NOW)).toBe(1);
      expect([(await task(a.id)).status, (await task(w.id)).status, (await task(c.id)).status]).toEqual([
        'QUEUED',
        'STOPPED',
        'CANCELLED',
      ]);
      const state = await engine.batchState(batchId as number);
      expect(state?.counts).toMatchObject({ total: 2, stopped: 1, cancelled: 1, pending: 0 });
      expect(state?.finishedAt).toEqual(expect.any(Number));
    });

    it('retry queues a task whose dependencies all completed, puts one back to WAITING while a dependency is retried with it, and leaves one whose dependency failed', async () => {
      await reset();
      const [a, done] = await engine.enqueue([newTask(), newTask()]);
      const {
        tasks: [w, x, y],
      } = await engine.enqueueFlow(
        [flowTask([a.id]), flowTask([a.id], { onDependencyFailure: 'wait' }), flowTask([done.id])],
        null,
      );
      await setStatus(a.id, 'FAILED');
      await setStatus(done.id, 'COMPLETED');
      await setStatus(y.id, 'CANCELLED');
      await engine.settleFlow([a.id], NOW);
      expect([(await task(w.id)).status, (await task(x.id)).status]).toEqual(['CANCELLED', 'WAITING']);

      expect(await engine.bulkTasks('retry', [w.id, y.id], NOW)).toBe(1);
      expect([(await task(w.id)).status, (await task(y.id)).status]).toEqual(['CANCELLED', 'QUEUED']);

      expect(await engine.bulkTasks('retry', [a.id, w.id], NOW)).toBe(2);
      expect([(await task(a.id)).status, (await task(w.id)).status, (await task(x.id)).status]).toEqual([
        'QUEUED',
        'WAITING',
        'WAITING',
      ]);
      await setStatus(a.id, 'COMPLETED');
      await engine.settleFlow([a.id], NOW);
      expect([(await task(w.id)).status, (await task(x.id)).status]).toEqual(['QUEUED', 'QUEUED']);
    });

    it('delete leaves no dependency edge behind, keeps a task another still waits for, and removes a batch left without tasks', async () => {
      await reset();
      const [a] = await engine.enqueue([newTask()]);
      await setStatus(a.id, 'COMPLETED');
      const {
        tasks: [w],
        batchId,
      } = await engine.enqueueFlow([flowTask([]), flowTask([], { dependsOnItems: [0] })], batch);
      const {
        tasks: [q],
      } = await engine.enqueueFlow([flowTask([a.id])], null);
      expect((await task(q.id)).status).toBe('QUEUED');
      expect(await engine.bulkTasks('delete', [w.id], NOW)).toBe(0); // its dependent still waits for it
      expect(await engine.bulkTasks('delete', [a.id, q.id], NOW)).toBe(2);
      expect(await edges()).toBe(1);
      const rest = (await engine.batchState(batchId as number))?.counts.total;
      expect(rest).toBe(2);
      const batchTasks = (await dataSource.getRepository(Task).find()).map((t) => t.id);
      expect(await engine.bulkTasks('delete', batchTasks, NOW)).toBe(2);
      expect(await edges()).toBe(0);
      expect(await engine.batchState(batchId as number)).toBeNull();
    });

    it('prune leaves no dependency edge behind, keeps a task another still waits for, and removes a batch left without tasks', async () => {
      await reset();
      const {
        tasks: [p, d],
        batchId,
      } = await engine.enqueueFlow(
        [flowTask([]), flowTask([], { dependsOnItems: [0], onDependencyFailure: 'wait' })],
        batch,
      );
      await setStatus(p.id, 'FAILED');
      await engine.settleFlow([p.id], NOW);
      expect((await task(d.id)).status).toBe('WAITING');
      await dataSource.query('UPDATE kronos_task SET updated_at = 1');
      const prune = async () =>
        (await engine.pruneBatch('tasks', { before: NOW, statuses: FINISHED_TASK_STATUSES }, 100)).deleted;
      expect(await prune()).toBe(0); // its dependent waits for it
      await setStatus(d.id, 'CANCELLED');
      await dataSource.query('UPDATE kronos_task SET updated_at = 1');
      expect(await prune()).toBe(2);
      expect(await edges()).toBe(0);
      expect(await engine.batchState(batchId as number)).toBeNull();
    });

    it("the clean-up's dry run (countPrunable) counts what prune deletes: not a task another still waits for", async () => {
      await reset();
      const {
        tasks: [p, d],
      } = await engine.enqueueFlow(
        [flowTask([]), flowTask([], { dependsOnItems: [0], onDependencyFailure: 'wait' })],
        batch,
      );
      const [alone] = await engine.enqueue([newTask()]);
      await setStatus(p.id, 'FAILED');
      await setStatus(alone.id, 'COMPLETED');
      await engine.settleFlow([p.id], NOW);
      expect((await task(d.id)).status).toBe('WAITING');
      await dataSource.query('UPDATE kronos_task SET updated_at = 1');
      const options = { before: NOW, statuses: FINISHED_TASK_STATUSES };
      expect((await countPrunable(dataSource, options)).tasks).toBe(1); // the failed task is waited for
      expect((await prune(engine, options)).tasks).toBe(1);
      await setStatus(d.id, 'CANCELLED');
      await dataSource.query('UPDATE kronos_task SET updated_at = 1');
      expect((await countPrunable(dataSource, options)).tasks).toBe(2);
      expect((await prune(engine, options)).tasks).toBe(2);
      expect((await countPrunable(dataSource, options)).tasks).toBe(0);
    });

    it('prune in batches of one task leaves no dependency edge nor batch row behind', async () => {
      await reset();
      const { tasks, batchId } = await engine.enqueueFlow(
        [flowTask([]), flowTask([], { dependsOnItems: [0] }), flowTask([], { dependsOnItems: [1] })],
        batch,
      );
      for (const t of tasks) await setStatus(t.id, 'COMPLETED');
      await engine.settleFlow(
        tasks.map((t) => t.id),
        NOW,
      );
      await dataSource.query('UPDATE kronos_task SET updated_at = 1');
      expect(await edges()).toBe(2);
      const options = { before: NOW, statuses: FINISHED_TASK_STATUSES, batchSize: 1 };
      expect((await countPrunable(dataSource, options)).tasks).toBe(3);
      expect((await prune(engine, options)).tasks).toBe(3);
      expect(await edges()).toBe(0);
      expect(await engine.batchState(batchId as number)).toBeNull();
      expect(Number((await dataSource.query('SELECT COUNT(*) AS n FROM kronos_task_batch'))[0].n)).toBe(0);
    });
  });
});

/**
 * MySQL 8 refuses an UPDATE or DELETE whose subquery reads the table it writes (error 1093, "You
 * can't specify target table for update in FROM clause"); MariaDB accepts it, and no MySQL 8
 * server is at hand here, so the shape is checked on the statements themselves: the task table
 * is read only inside a derived table that cannot be merged (SELECT DISTINCT), which MySQL
 * materializes before updating. The statements' effect is specified above, on MariaDB.
 */
describe('bulk retry on MySQL', () => {
  const t = { task: '`kronos_task`', run: '`kronos_run`', dependency: '`kronos_dep`', batch: '`kronos_batch`' };
  it('reads the task table it updates only through a materialized derived table (MySQL 8 error 1093)', () => {
    const statements = mysqlRetryUpdates(t, '?');
    expect(statements).toHaveLength(2);
    for (const sql of statements) {
      const flat = sql.replace(/\s+/g, ' ');
      expect(flat).toMatch(/^UPDATE `kronos_task` AS tk LEFT JOIN \(SELECT DISTINCT /);
      const derived = flat.slice(flat.indexOf('(SELECT DISTINCT'), flat.indexOf(') AS held'));
      // The task table appears twice: as the target, and inside the derived table; nowhere else.
      expect(flat.split('`kronos_task`')).toHaveLength(3);
      expect(derived).toContain('`kronos_task` p');
      expect(flat.slice(flat.indexOf(') AS held'))).not.toMatch(/SELECT/i);
    }
  });
});

/** A node of PostgreSQL's EXPLAIN (FORMAT JSON) plan. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/**
 * Right after a large bulk action, before PostgreSQL analyses the task table again, its
 * statistics still describe the table as it was: here every task was FAILED when analysed, then
 * all became QUEUED (a "retry all failed"). A status condition the planner may serve from the
 * status index then looks nearly free, and the next action's batches walked every QUEUED task
 * for their 500 ids (seconds per batch on a million tasks). The statements the engine runs find
 * their tasks by primary key whatever the statistics say.
 */
describe('bulk batches on PostgreSQL with stale statistics', () => {
  const TASKS = 20_000;
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = await createTestDataSource('postgres', { schema: 'migrations' });
    await dataSource.query('ALTER TABLE kronos_task SET (autovacuum_enabled = false)');
    await dataSource.query(
      `INSERT INTO kronos_task (uuid, job_name, status, group_name, next_run_time, created_at, updated_at)
       SELECT 'stale-' || g, 'bulk.job', 'FAILED', 'default', 0, 0, 0 FROM generate_series(1, ${TASKS}) g`,
    );
    await dataSource.query('ANALYZE kronos_task');
    await dataSource.query(`UPDATE kronos_task SET status = 'QUEUED'`);
  }, 60_000);
  afterAll(async () => {
    if (dataSource?.isInitialized) await dropKronosTables(dataSource);
    await dataSource?.destroy();
  });

  it('the statistics are stale: the planner believes almost no task is QUEUED, while all are', async () => {
    const [{ 'QUERY PLAN': plan }]: { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[] = await dataSource.query(
      `EXPLAIN (FORMAT JSON) SELECT id FROM kronos_task WHERE status = 'QUEUED'`,
    );
    expect(plan[0].Plan['Plan Rows']).toBeLessThan(100);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM kronos_task WHERE status = 'QUEUED'`)).toEqual([
      { n: TASKS },
    ]);
  });

  it.each(['stop', 'retry', 'delete'] as const)(
    '%s: every statement of a batch reads the task table through its primary key',
    async (action) => {
      const rows: { id: number }[] = await dataSource.query(
        'SELECT id FROM kronos_task ORDER BY id LIMIT $1 OFFSET 5000',
        [BULK_BATCH],
      );
      const ids = rows.map((row) => row.id);
      const { lock, updates } = bulkStatements(
        { task: '"kronos_task"', run: '"kronos_run"', ...flowTables('"kronos_task"') },
        action,
      );
      for (const sql of [...(lock ? [lock] : []), ...updates]) {
        const params = action === 'delete' || sql === lock ? [ids] : [ids, NOW];
        const [{ 'QUERY PLAN': plan }]: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] = await dataSource.query(
          `EXPLAIN (FORMAT JSON) ${sql}`,
          params,
        );
        const reads = planNodes(plan[0].Plan).filter((node) => node['Relation Name'] === 'kronos_task');
        expect(reads.length).toBeGreaterThan(0);
        for (const read of reads.filter((node) => node['Node Type'] !== 'ModifyTable'))
          expect([read['Node Type'], read['Index Name']]).toEqual(['Index Scan', 'kronos_task_pkey']);
      }
    },
  );
});
