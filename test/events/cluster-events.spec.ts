/**
 * Cluster-wide task events: a process that did not run a task (here the web application that
 * enqueued it, with no worker) sees its runs through `SchedulerService.clusterEvents$`. The
 * worker is a real child process: on PostgreSQL it sends what it records with NOTIFY, elsewhere
 * the web application polls the runs table.
 */
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { InvalidSchedulerOptionError, Job, SchedulerService, Task, type ClusterTaskEvent } from '../../lib/index.js';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import { describeForDialects, postgresSettings } from '../support/databases.js';
import { fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor, waitForTask, type TestDatabase } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The web application knows the jobs (to enqueue them); the worker process runs them. */
@Injectable()
class WebJobs {
  @Job('cluster.work', { retries: 5 })
  work() {}

  @Job('cluster.fails', { retries: 1 })
  fails() {}

  /** A group no worker serves: only the test's simulated (dead) worker claims it. */
  @Job('cluster.ghosted', { group: 'elsewhere' })
  ghosted() {}
}

const CLUSTER = JSON.stringify({ cluster: true });

/** The feed starts shortly after the first subscription: wait until a warm-up task's completion comes through it. */
async function feedRunning(scheduler: SchedulerService, seen: ClusterTaskEvent[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { id } = await scheduler.enqueue('cluster.work', { n: 0 });
    await waitForTask(scheduler, id, ['COMPLETED']);
    const heard = await waitFor(() => seen.some((e) => e.taskId === id), 1000, 'the warm-up').then(
      () => true,
      () => false,
    );
    if (heard) return;
    if (Date.now() > deadline) throw new Error('the cluster event feed did not start');
  }
}

describeForDialects(
  'cluster events seen by a process without a worker',
  (dialect) => {
    const fleet = fleetClosedAfterEach();

    it('sees the completion and the failure of tasks it enqueued, run by a worker process', async () => {
      const db = await freshDatabase(dialect);
      fleet.workers.push(await startWorkerProcess(db.options, { KRONOS_FIXTURE_EVENTS: CLUSTER }));
      fleet.web = await bootApp(db, [WebJobs], { worker: false, events: { cluster: true, pollInterval: 50 } });
      const seen: ClusterTaskEvent[] = [];
      fleet.web.scheduler.clusterEvents$.subscribe((event) => seen.push(event));
      await feedRunning(fleet.web.scheduler, seen);

      const ok = await fleet.web.scheduler.enqueue('cluster.work', { n: 1 });
      const failing = await fleet.web.scheduler.enqueue('cluster.fails', { n: 2 });
      const done = await waitForTask(fleet.web.scheduler, ok.id, ['COMPLETED']);
      await waitForTask(fleet.web.scheduler, failing.id, ['FAILED']);
      const of = (taskId: number, count: number) =>
        waitFor(
          () =>
            seen.filter((e) => e.taskId === taskId).length >= count ? seen.filter((e) => e.taskId === taskId) : null,
          5000,
          `${count} event(s) of task ${taskId}`,
        );

      expect(await of(ok.id, 1)).toEqual([
        {
          type: 'completed',
          taskId: ok.id,
          runId: done.latestRun!.id,
          job: 'cluster.work',
          attempt: 1,
          runStatus: 'COMPLETED',
          worker: done.latestRun!.worker,
          finishedAt: done.latestRun!.stopTime,
        },
      ]);
      const runs = (await fleet.web.scheduler.runs({ taskId: failing.id })).reverse();
      expect((await of(failing.id, 2)).map((e) => [e.type, e.attempt, e.runId, e.runStatus, e.job])).toEqual([
        ['retrying', 1, runs[0].id, 'FAILED', 'cluster.fails'],
        ['failed', 2, runs[1].id, 'FAILED', 'cluster.fails'],
      ]);
      await sleep(200);
      expect(seen.filter((e) => e.taskId === ok.id || e.taskId === failing.id)).toHaveLength(3); // once each
    });

    it('sees an attempt the worker process rescued from a dead worker as lost', async () => {
      const db = await freshDatabase(dialect);
      fleet.workers.push(await startWorkerProcess(db.options, { KRONOS_FIXTURE_EVENTS: CLUSTER }));
      fleet.web = await bootApp(db, [WebJobs], { worker: false, events: { cluster: true, pollInterval: 50 } });
      const seen: ClusterTaskEvent[] = [];
      fleet.web.scheduler.clusterEvents$.subscribe((event) => seen.push(event));
      await feedRunning(fleet.web.scheduler, seen);

      const { id } = await fleet.web.scheduler.enqueue('cluster.ghosted');
      // A worker that claims and dies before its first heartbeat: it has no row, and its claim is old.
      const engine = fleet.web.app.get(KronosRuntime, { strict: false }).engine;
      await engine.claim({
        worker: 'ghost-1',
        groups: ['elsewhere'],
        jobNames: ['cluster.ghosted'],
        limit: 1,
        now: null,
      });
      await fleet.web.dataSource.getRepository(Task).update(id, { claimedAt: Date.now() - 60_000 });
      const [event] = await waitFor(
        () => (seen.some((e) => e.taskId === id) ? seen.filter((e) => e.taskId === id) : null),
        15_000,
        'the lost event',
      );
      const { latestRun } = await fleet.web.scheduler.status(id);
      expect(event).toEqual({
        type: 'lost',
        taskId: id,
        runId: latestRun!.id,
        job: 'cluster.ghosted',
        attempt: 1,
        runStatus: 'LOST',
        worker: 'ghost-1',
        finishedAt: expect.any(Number),
      });
    });
  },
  ['postgres', 'sqlite', 'mysql'],
);

describe('cluster events are opt-in', () => {
  it('clusterEvents$ without events: { cluster: true } is a typed error naming the option', async () => {
    const t = await bootApp(await freshDatabase('sqlite'), [WebJobs], { worker: false });
    try {
      expect(() => t.scheduler.clusterEvents$).toThrow(InvalidSchedulerOptionError);
      expect(() => t.scheduler.clusterEvents$).toThrow(/events\.cluster.*must be true to use clusterEvents\$/);
    } finally {
      await t.close();
    }
  });

  it('rejects an events option that is not { cluster: boolean, pollInterval }', async () => {
    const db = await freshDatabase('sqlite');
    await expect(bootApp(db, [], { events: { cluster: 'yes' as never } })).rejects.toThrow(
      /events\.cluster.*must be true or false/,
    );
    await expect(bootApp(db, [], { events: { cluster: true, everywhere: true } as never })).rejects.toThrow(
      /everywhere/,
    );
  });
});

describe('the NOTIFY a PostgreSQL worker sends [postgres]', () => {
  const fleet = fleetClosedAfterEach();
  let listener: pg.Client;
  const payloads: string[] = [];

  beforeEach(async () => {
    payloads.length = 0;
    const s = postgresSettings();
    listener = new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database });
    await listener.connect();
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query('LISTEN kronos_task_event');
  });
  afterEach(() => listener.end());

  async function runOne(db: TestDatabase, workerEnv: Record<string, string>) {
    fleet.workers.push(await startWorkerProcess(db.options, workerEnv));
    fleet.web = await bootApp(db, [WebJobs], { worker: false });
    const { id } = await fleet.web.scheduler.enqueue('cluster.work', { n: 42 });
    return waitForTask(fleet.web.scheduler, id, ['COMPLETED']);
  }

  it('is sent only by a worker with events: { cluster: true }', async () => {
    await runOne(await freshDatabase('postgres'), {});
    await sleep(300);
    expect(payloads).toEqual([]);
  });

  it('carries task id, run id, type, status, attempt, job, worker and time: never the result', async () => {
    const { task, latestRun } = await runOne(await freshDatabase('postgres'), { KRONOS_FIXTURE_EVENTS: CLUSTER });
    await waitFor(() => payloads.length > 0, 5000, 'a notification');
    expect(payloads.map((p) => JSON.parse(p))).toEqual([
      [[task.id, latestRun!.id, 0, 0, 1, 'cluster.work', latestRun!.worker, latestRun!.stopTime]],
    ]);
    expect(payloads[0]).not.toContain('"n"');
  });
});
