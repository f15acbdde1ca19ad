import type { DataSource } from 'typeorm';
import { Run, Task } from '../../lib/entities/index.js';
import { prune } from '../../lib/maintenance/prune.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import type { PruneFilter, PrunedBatch, StorageEngine } from '../../lib/storage/engine.js';
import { createTestDataSource, describeForDialects, dropKronosTables } from '../support/databases.js';
import { newTask } from './contract/fixtures.js';

const HORIZON = 1_800_000_000_000;
const OLD = HORIZON - 86_400_000;

/**
 * Retention and `kronos prune` delete in batches that go up the ids, each resuming after the last
 * id the one before deleted, so a batch never walks again past what was deleted before it
 * (docs/performance.md, "Run history prune").
 */
describeForDialects('prune in batches', (dialect) => {
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
});
