import type { DataSource } from 'typeorm';
import { Run, Task } from '../../lib/entities/index.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import type { StorageEngine } from '../../lib/storage/engine.js';
import { createTestDataSource, describeForDialects, dropKronosTables } from '../support/databases.js';
import { newTask } from './contract/fixtures.js';

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
    const tasks = [...statuses.map((s) => newTask({ uuid: `bulk-${s}` })), newTask({ uuid: 'kronos:schedule:nightly' })];
    const created = await engine.enqueue(tasks);
    const ids: Record<string, number> = {};
    for (const [i, status] of statuses.entries()) {
      ids[status] = created[i].id;
      await dataSource.getRepository(Task).update(created[i].id, { status: status as never, attempt: 2, stopTime: 5, assignedWorker: status === 'RUNNING' ? 'w' : null });
    }
    ids.recurring = created[statuses.length].id;
    await dataSource.getRepository(Task).update(ids.recurring, { status: statuses[0] as never });
    for (const id of Object.values(ids)) {
      await dataSource.getRepository(Run).insert({ taskId: id, jobName: 'j', status: 'FAILED', attempt: 1, startTime: 1, stopTime: 2 });
    }
    return ids;
  }
  const task = (id: number) => dataSource.getRepository(Task).findOneByOrFail({ id });

  it('retry queues finished tasks again in place, due now, attempts reset; others and the recurring task untouched', async () => {
    const ids = await seed(['FAILED', 'TIMEOUT', 'EXPIRED', 'STOPPED', 'COMPLETED', 'RUNNING', 'QUEUED']);
    expect(await engine.bulkTasks('retry', Object.values(ids), NOW)).toBe(4);
    for (const status of ['FAILED', 'TIMEOUT', 'EXPIRED', 'STOPPED']) {
      const t = await task(ids[status]);
      expect([status, t.status, t.nextRunTime, t.attempt, t.stopTime]).toEqual([status, 'QUEUED', NOW, 0, null]);
    }
    expect((await task(ids.COMPLETED)).status).toBe('COMPLETED');
    expect((await task(ids.RUNNING)).status).toBe('RUNNING');
    expect((await task(ids.recurring)).status).toBe('FAILED');
  });

  it('stop ends queued tasks and asks running ones to stop', async () => {
    const ids = await seed(['QUEUED', 'RUNNING', 'FAILED']);
    expect(await engine.bulkTasks('stop', [ids.QUEUED, ids.RUNNING, ids.FAILED, ids.recurring], null)).toBe(2);
    expect((await task(ids.QUEUED)).status).toBe('STOPPED');
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
});
