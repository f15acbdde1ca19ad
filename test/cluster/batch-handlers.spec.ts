import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { Job, Run, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { executions, fleetClosedAfterEach, startWorkerProcess, type WorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor } from '../support/test-app.js';

const TOTAL = 200;

/** The same declaration as the worker processes' (test/fixtures/worker-process.ts, KRONOS_FIXTURE_BATCHED=1). */
@Injectable()
class BatchedJobs {
  @Job('cluster.batched', { batch: { size: 10, wait: 50 } })
  async batched() {}
}

/** The sizes of the handler calls a worker process made. */
const callSizes = (worker: WorkerProcess): number[] =>
  existsSync(`${worker.log}.calls`)
    ? readFileSync(`${worker.log}.calls`, 'utf8').split('\n').filter(Boolean).map(Number)
    : [];

describeForDialects('batch handlers across three worker processes', (dialect) => {
  const fleet = fleetClosedAfterEach();

  it('every task runs exactly once, in calls of at most 10, and completes with its own run row', async () => {
    const db = await freshDatabase(dialect);
    fleet.web = await bootApp(db, [BatchedJobs], { worker: false });
    fleet.workers = await Promise.all(
      [0, 1, 2].map(() => startWorkerProcess(db.options, { KRONOS_FIXTURE_BATCHED: '1' })),
    );
    const web = fleet.web;
    for (let chunk = 0; chunk < 4; chunk++) {
      await web.scheduler.enqueueMany(
        'cluster.batched',
        Array.from({ length: TOTAL / 4 }, (_, n) => ({ n: chunk * (TOTAL / 4) + n })),
      );
    }

    await waitFor(
      async () =>
        (await web.dataSource.getRepository(Task).countBy({ jobName: 'cluster.batched', status: 'COMPLETED' })) ===
        TOTAL,
      60_000,
      'all tasks COMPLETED',
    );

    const runs = await web.dataSource.getRepository(Run).findBy({ jobName: 'cluster.batched' });
    expect(runs).toHaveLength(TOTAL);
    expect(runs.every((run) => run.status === 'COMPLETED')).toBe(true);
    expect(new Set(runs.map((run) => run.taskId)).size).toBe(TOTAL);
    const executed = fleet.workers.flatMap(executions);
    expect(executed).toHaveLength(TOTAL);
    expect(new Set(executed).size).toBe(TOTAL);
    const sizes = fleet.workers.flatMap(callSizes);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.length).toBeLessThan(TOTAL); // tasks were handled together, not one per call
  }, 90_000);
});
