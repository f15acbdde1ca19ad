import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, Run, Task } from '../../lib/index.js';
import { enqueueMany } from '../support/bulk.js';
import { describeForDialects } from '../support/databases.js';
import { executions, fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor, type TestApp } from '../support/test-app.js';

@Injectable()
class ClusterJobs {
  @Job('cluster.work', { retries: 5 })
  async work() {}

  @Job('cluster.receipt', { retries: 5, removeOnComplete: true })
  async receipt() {}
}

/** Runs per task and status, from the Activity log. */
async function runsPerTask(web: TestApp) {
  const rows: { taskId: number; status: string; runs: string }[] = await web.dataSource
    .getRepository(Run)
    .createQueryBuilder('run')
    .select('run.taskId', 'taskId')
    .addSelect('run.status', 'status')
    .addSelect('COUNT(*)', 'runs')
    .groupBy('run.taskId')
    .addGroupBy('run.status')
    .getRawMany();
  return rows.map((r) => ({ taskId: Number(r.taskId), status: r.status, runs: Number(r.runs) }));
}

describeForDialects(
  'a fleet of worker processes',
  (dialect) => {
    const fleet = fleetClosedAfterEach();

    it('4 processes drain 10,000 tasks: each has exactly one COMPLETED run, none missing', async () => {
      const db = await freshDatabase(dialect);
      fleet.web = await bootApp(db, [ClusterJobs], { worker: false });
      // Every process is up and idle before the tasks arrive: enqueued first, the tasks could all
      // be drained (a claim takes up to 1,000) by the first process to boot on a slow machine.
      fleet.workers = await Promise.all([0, 1, 2, 3].map(() => startWorkerProcess(db.options)));
      await enqueueMany(fleet.web.app, 'cluster.work', 10_000);
      await waitFor(
        async () => (await fleet.web!.dataSource.getRepository(Task).countBy({ status: 'COMPLETED' })) === 10_000,
        240_000,
        '10,000 COMPLETED',
      );
      const perTask = await runsPerTask(fleet.web);
      expect(perTask).toHaveLength(10_000);
      expect(perTask.every((r) => r.status === 'COMPLETED' && r.runs === 1)).toBe(true);
      const executed = fleet.workers.flatMap(executions);
      expect(executed).toHaveLength(10_000);
      expect(new Set(executed).size).toBe(10_000);
      // The fleet shared the work.
      expect(fleet.workers.filter((w) => executions(w).length > 0).length).toBeGreaterThanOrEqual(2);
    }, 300_000);

    it('a worker killed with SIGKILL mid-run: its tasks are rescued and completed by the others, none completed twice', async () => {
      const db = await freshDatabase(dialect);
      fleet.web = await bootApp(db, [ClusterJobs], { worker: false });
      const env = { KRONOS_FIXTURE_DELAY_MS: '400', KRONOS_FIXTURE_CONCURRENCY: '5' };
      fleet.workers = await Promise.all([0, 1, 2].map(() => startWorkerProcess(db.options, env)));
      await enqueueMany(fleet.web.app, 'cluster.work', 90);
      const victim = fleet.workers[0];
      await waitFor(() => executions(victim).length >= 7, 20_000, 'the victim to be mid-run');
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

      await waitFor(
        async () => (await fleet.web!.dataSource.getRepository(Task).countBy({ status: 'COMPLETED' })) === 90,
        60_000,
        'all 90 COMPLETED',
      );
      const perTask = await runsPerTask(fleet.web);
      const completed = perTask.filter((r) => r.status === 'COMPLETED');
      expect(completed).toHaveLength(90);
      expect(completed.every((r) => r.runs === 1)).toBe(true);
      const lost = await fleet.web.dataSource.getRepository(Run).findBy({ status: 'LOST' });
      expect(lost.length).toBeGreaterThan(0);
      expect(
        lost.every((r) => r.message!.startsWith('worker lost:') && r.worker!.includes(`#${victim.child.pid}#`)),
      ).toBe(true);
      // Every task the victim was running was finished by a survivor.
      const survivors = new Set(fleet.workers.slice(1).flatMap(executions));
      for (const run of lost) expect(survivors.has(run.taskId)).toBe(true);
    }, 120_000);

    it('removeOnComplete: 3 processes, one killed with SIGKILL mid-run, leave one COMPLETED run per task and no task row', async () => {
      const db = await freshDatabase(dialect);
      fleet.web = await bootApp(db, [ClusterJobs], { worker: false });
      const env = { KRONOS_FIXTURE_DELAY_MS: '20', KRONOS_FIXTURE_CONCURRENCY: '5' };
      fleet.workers = await Promise.all([0, 1, 2].map(() => startWorkerProcess(db.options, env)));
      await enqueueMany(fleet.web.app, 'cluster.receipt', 600);
      const victim = fleet.workers[0];
      await waitFor(() => executions(victim).length >= 20, 20_000, 'the victim to be mid-run');
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

      await waitFor(
        async () => (await fleet.web!.dataSource.getRepository(Task).count()) === 0,
        60_000,
        'no task left',
      );
      const perTask = await runsPerTask(fleet.web);
      const completed = perTask.filter((r) => r.status === 'COMPLETED');
      expect(completed).toHaveLength(600);
      expect(completed.every((r) => r.runs === 1)).toBe(true);
      // A task the victim held ran again (its LOST run kept beside the COMPLETED one), never completed twice.
      const lost = await fleet.web.dataSource.getRepository(Run).findBy({ status: 'LOST' });
      expect(lost.length).toBeGreaterThan(0);
      expect(lost.every((r) => completed.some((c) => c.taskId === r.taskId))).toBe(true);
    }, 120_000);
  },
  ['postgres', 'mysql'],
);
