import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, Run, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { executions, fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor } from '../support/test-app.js';

const LIMIT = 20;
const PER_MS = 1000;
const TOTAL = 150;

/** The same declaration as the worker processes' (test/fixtures/worker-process.ts, KRONOS_FIXTURE_RATED=1). */
@Injectable()
class RatedJobs {
  @Job('cluster.rated', { rateLimit: { limit: LIMIT, per: PER_MS } })
  async rated() {}
}

describeForDialects('a rate limit across three worker processes', (dialect) => {
  const fleet = fleetClosedAfterEach();

  it(`no window of ${PER_MS} ms has more than ${LIMIT} starts of the job; every task runs exactly once, none fails`, async () => {
    const db = await freshDatabase(dialect);
    // The enqueuing process has no worker: only the three child processes run tasks.
    fleet.web = await bootApp(db, [RatedJobs], { worker: false });
    fleet.workers = await Promise.all(
      [0, 1, 2].map(() => startWorkerProcess(db.options, { KRONOS_FIXTURE_RATED: '1' })),
    );
    const web = fleet.web;
    // Queue them early in a window, so the first burst of claims is not split by a window boundary
    // between claim and handler start (what is limited is the claim; the runs table records the start).
    while (Date.now() % PER_MS > PER_MS / 10) await new Promise((resolve) => setTimeout(resolve, 5));
    await web.scheduler.enqueueMany(
      'cluster.rated',
      Array.from({ length: TOTAL }, (_, n) => ({ n })),
    );

    // Over the limit, tasks wait QUEUED: they are never failed.
    await waitFor(
      async () =>
        (await web.dataSource.getRepository(Task).countBy({ jobName: 'cluster.rated', status: 'COMPLETED' })) === TOTAL,
      60_000,
      'all tasks COMPLETED',
    );

    const runs = await web.dataSource.getRepository(Run).findBy({ jobName: 'cluster.rated' });
    expect(runs).toHaveLength(TOTAL);
    expect(runs.every((run) => run.status === 'COMPLETED')).toBe(true);
    expect(new Set(runs.map((run) => run.taskId)).size).toBe(TOTAL);
    const executed = fleet.workers.flatMap(executions);
    expect(executed).toHaveLength(TOTAL);
    expect(new Set(executed).size).toBe(TOTAL);

    // Starts per window [k × 1 s, (k + 1) × 1 s), from the start times the runs table records.
    const perWindow = new Map<number, number>();
    for (const run of runs) {
      const window = Math.floor(Number(run.startTime) / PER_MS);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }
    expect([...perWindow.entries()].filter(([, starts]) => starts > LIMIT)).toEqual([]);
    // 150 starts at 20 per window take at least 8 windows; the limit was the brake, not idleness.
    expect(perWindow.size).toBeGreaterThanOrEqual(Math.ceil(TOTAL / LIMIT));
    expect(Math.max(...perWindow.values())).toBe(LIMIT);
    // More than one process took part.
    expect(fleet.workers.filter((w) => executions(w).length > 0).length).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
