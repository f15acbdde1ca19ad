import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, Run, Worker } from '../../lib/index.js';
import { executions, startWorkerProcess, type WorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor, waitForTask, type TestApp } from '../support/test-app.js';

@Injectable()
class FleetJobs {
  @Job('cluster.work')
  async work() {}

  @Job('cluster.report', { group: 'reports' })
  async report() {}
}

describe('worker commands, addressed by group through the database', () => {
  let workers: WorkerProcess[] = [];
  let web: TestApp;
  afterEach(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    workers = [];
    await web?.close();
  });

  it('disable, resume, terminate and kill reach exactly the workers of the named groups', async () => {
    const db = await freshDatabase('postgres');
    web = await bootApp(db, [FleetJobs], { worker: false });
    const env = { KRONOS_FIXTURE_DELAY_MS: '600' };
    const [main, reports] = await Promise.all([
      startWorkerProcess(db.options, { ...env, KRONOS_FIXTURE_GROUPS: 'main' }),
      startWorkerProcess(db.options, { ...env, KRONOS_FIXTURE_GROUPS: 'reports' }),
    ]);
    workers = [main, reports];
    const listed = await waitFor(async () => {
      const found = await web.scheduler.workers();
      return found.length === 2 ? found : null;
    });
    expect(listed.map((w) => [w.groups, w.status]).sort()).toEqual([
      [['main'], 'ACTIVE'],
      [['reports'], 'ACTIVE'],
    ]);
    expect(listed.every((w) => w.heartbeatAge < 2000 && w.pid > 0)).toBe(true);

    // disable: the reports worker stays alive but claims nothing.
    expect(await web.scheduler.disableWorkers('reports')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 600)); // > one heartbeat (250 ms)
    const held = await web.scheduler.enqueue('cluster.report', { n: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await web.scheduler.status(held.id)).task.status).toBe('QUEUED');
    expect((await web.scheduler.workers()).find((w) => w.groups[0] === 'reports')!.status).toBe('DISABLED');

    // resume: it claims again.
    await web.scheduler.resumeWorkers(['reports']);
    await waitForTask(web.scheduler, held.id, ['COMPLETED'], 5000);

    // terminate: the main worker finishes its running task, then its process exits.
    const finishing = await web.scheduler.enqueue('cluster.work', { n: 2 });
    await waitForTask(web.scheduler, finishing.id, ['RUNNING']);
    await web.scheduler.terminateWorkers('main');
    expect(await main.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect((await web.scheduler.status(finishing.id)).latestRun).toMatchObject({ status: 'COMPLETED' });

    // kill: the reports worker interrupts its running task (re-queued), then exits.
    const interrupted = await web.scheduler.enqueue('cluster.report', { n: 3 });
    await waitForTask(web.scheduler, interrupted.id, ['RUNNING']);
    await web.scheduler.killWorkers('reports');
    expect(await reports.exited).toEqual({ code: null, signal: 'SIGTERM' });
    const { task, latestRun } = await web.scheduler.status(interrupted.id);
    expect(task.status).toBe('QUEUED');
    expect(latestRun).toMatchObject({ status: 'INTERRUPTED' });
    expect(executions(reports)).toContain(interrupted.id);

    expect(await web.dataSource.getRepository(Worker).count()).toBe(0);
    expect(await web.dataSource.getRepository(Run).countBy({ status: 'COMPLETED' })).toBe(2);
  }, 60_000);
});
