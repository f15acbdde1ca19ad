import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { executions, fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor, waitForTask } from '../support/test-app.js';

/** The same declarations as the worker processes' (test/fixtures/worker-process.ts). */
@Injectable()
class FleetJobs {
  @Job('cluster.work', { retries: 5 })
  async work() {}

  @Job('cluster.report', { group: 'reports' })
  async report() {}
}

/** The fixture's heartbeat interval: a pause takes effect within one. */
const HEARTBEAT_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeForDialects('a paused group with real worker processes', (dialect) => {
  const fleet = fleetClosedAfterEach();

  it("no worker claims a paused group's tasks, other groups run on, and its tasks run once it is resumed", async () => {
    const db = await freshDatabase(dialect);
    fleet.web = await bootApp(db, [FleetJobs], { worker: false });
    const web = fleet.web;
    fleet.workers = await Promise.all(
      [0, 1].map(() => startWorkerProcess(db.options, { KRONOS_FIXTURE_GROUPS: 'main,reports' })),
    );
    await waitFor(async () => (await web.scheduler.workers()).length === 2, 20_000, 'two workers');

    expect(await web.scheduler.pauseGroup('reports', 'alice')).toBe(true);
    expect(await web.scheduler.pauseGroup('reports')).toBe(false);
    await sleep(HEARTBEAT_MS * 3);

    const held = await Promise.all([1, 2, 3].map((n) => web.scheduler.enqueue('cluster.report', { n })));
    const other = await web.scheduler.enqueue('cluster.work', { n: 4 });
    await waitForTask(web.scheduler, other.id, ['COMPLETED'], 10_000);
    await sleep(HEARTBEAT_MS * 4);
    for (const { id } of held) expect((await web.scheduler.status(id)).task.status).toBe('QUEUED');
    const groups = await web.scheduler.groups();
    expect(groups.find((g) => g.name === 'reports')).toMatchObject({
      paused: true,
      pausedBy: 'alice',
      queued: 3,
      running: 0,
    });
    expect(groups.find((g) => g.name === 'main')).toMatchObject({ paused: false, queued: 0 });
    expect(groups.find((g) => g.name === 'reports')!.workers).toHaveLength(2);

    expect(await web.scheduler.resumeGroup('reports')).toBe(true);
    expect(await web.scheduler.resumeGroup('reports')).toBe(false);
    for (const { id } of held) await waitForTask(web.scheduler, id, ['COMPLETED'], 10_000);
    const ran = fleet.workers.flatMap(executions);
    for (const { id } of held) expect(ran.filter((taskId) => taskId === id)).toHaveLength(1);
    expect((await web.scheduler.groups()).find((g) => g.name === 'reports')).toMatchObject({
      paused: false,
      pausedAt: null,
      queued: 0,
    });
  }, 60_000);

  it('refuses a group name no task can have, naming the value', async () => {
    const db = await freshDatabase(dialect);
    fleet.web = await bootApp(db, [FleetJobs], { worker: false });
    await expect(fleet.web.scheduler.pauseGroup('')).rejects.toThrow(
      'Invalid group "": a group is a non-empty name of at most 64 characters.',
    );
    await expect(fleet.web.scheduler.resumeGroup('x'.repeat(65))).rejects.toThrow(/Invalid group "x{65}"/);
  });
});
