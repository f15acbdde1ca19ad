import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, Run, Task, Worker } from '../../lib/index.js';
import { executions, startWorkerProcess, type WorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor } from '../support/test-app.js';

@Injectable()
class ClusterJobs {
  @Job('cluster.work', { retries: 5 })
  async work() {}
}

describe('two worker processes on one PostgreSQL database', () => {
  let workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    workers = [];
  });

  it('drain 2,000 tasks, each run exactly once', async () => {
    const db = await freshDatabase('postgres');
    // The enqueuing process has no worker: only the two child processes run tasks.
    const web = await bootApp(db, [ClusterJobs], { worker: false });
    try {
      workers = await Promise.all([startWorkerProcess(db.options), startWorkerProcess(db.options)]);
      const total = 2000;
      for (let start = 0; start < total; start += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, i) => web.scheduler.enqueue('cluster.work', { n: start + i })),
        );
      }
      const tasks = web.dataSource.getRepository(Task);
      await waitFor(
        async () => (await tasks.countBy({ status: 'COMPLETED' })) === total,
        60_000,
        'all tasks COMPLETED',
      );

      for (const w of workers) w.child.kill('SIGTERM');
      const exits = await Promise.all(workers.map((w) => w.exited));
      // Nest re-raises the signal after its graceful shutdown; a crash would exit with a code.
      expect(exits).toEqual([
        { code: null, signal: 'SIGTERM' },
        { code: null, signal: 'SIGTERM' },
      ]);
      expect(await web.dataSource.getRepository(Worker).count()).toBe(0); // both deregistered cleanly

      const perTask = await web.dataSource
        .getRepository(Run)
        .createQueryBuilder('run')
        .select('run.taskId', 'taskId')
        .addSelect('COUNT(*)', 'runs')
        .groupBy('run.taskId')
        .getRawMany();
      expect(perTask).toHaveLength(total);
      expect(perTask.every((row) => Number(row.runs) === 1)).toBe(true);
      expect(await web.dataSource.getRepository(Run).countBy({ status: 'COMPLETED' })).toBe(total);

      const executed = workers.flatMap(executions);
      expect(executed).toHaveLength(total);
      expect(new Set(executed).size).toBe(total);
      // Both processes took part.
      for (const w of workers) expect(executions(w).length).toBeGreaterThan(100);
    } finally {
      await web.close();
    }
  }, 120_000);
});
