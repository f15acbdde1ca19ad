import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, JobContext, Run, ScheduledTask, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import {
  bootApp,
  CORE_DIALECTS,
  freshDatabase,
  waitFor,
  waitForTask,
  type TestApp,
  type TestDatabase,
} from '../support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets a test hold a handler mid-run and release it. */
class Gate {
  private release?: () => void;
  readonly opened = new Promise<void>((r) => (this.release = r));
  open() {
    this.release?.();
  }
}

const state = {
  signals: [] as { job: string; reason: string }[],
  running: 0,
  maxRunning: 0,
  gate: new Gate(),
  attempts: [] as number[],
};

const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

@Injectable()
class BehaviourJobs {
  @Job('flaky', { retries: 2 })
  async flaky(_: unknown, ctx: JobContext) {
    state.attempts.push(Date.now());
    throw new Error(`attempt ${ctx.attempt} failed`);
  }

  @Job('hangs', { timeout: 150 })
  async hangs(_: unknown, ctx: JobContext) {
    await untilAborted(ctx.signal);
    state.signals.push({ job: 'hangs', reason: String((ctx.signal.reason as Error)?.message) });
  }

  @Job('waits-for-stop')
  async waitsForStop(_: unknown, ctx: JobContext) {
    ctx.log('started');
    await untilAborted(ctx.signal);
    state.signals.push({ job: 'waits-for-stop', reason: String((ctx.signal.reason as Error)?.message) });
  }

  @Job('reports-progress')
  async reportsProgress(_: unknown, ctx: JobContext) {
    ctx.progress(50, 'half way');
    ctx.log('processed 500 of 1000 rows');
    await state.gate.opened;
    ctx.progress(100, 'done');
    return { rows: 1000 };
  }

  @Job('counted')
  async counted() {
    state.running++;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    await sleep(60);
    state.running--;
  }

  @Job('quick')
  async quick() {
    return 'ok';
  }

  @Job('one-at-a-time', { concurrency: 1 })
  async oneAtATime() {
    state.running++;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    await sleep(40);
    state.running--;
  }

  @ScheduledTask('heartbeat.tick', { interval: 150, preventDrift: true, payload: { source: 'schedule' } })
  async tick(ctx: JobContext) {
    return { payload: ctx.payload as object, slot: ctx.scheduledFor };
  }
}

describeForDialects(
  'the worker',
  (dialect) => {
    let db: TestDatabase;
    let t: TestApp;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      t = await bootApp(db, [BehaviourJobs], {
        retryBackoff: 60,
        worker: {
          concurrency: 3,
          pollInterval: 25,
          syncInterval: 25,
          heartbeatInterval: 200,
          deadAfter: 1000,
          shutdownGracePeriod: 300,
        },
      });
    });
    afterAll(() => t?.close());

    it('retries a failing task with exponential back-off, then marks it FAILED', async () => {
      state.attempts = [];
      const { id } = await t.scheduler.enqueue('flaky');
      const { task } = await waitForTask(t.scheduler, id, ['FAILED']);
      expect(task).toMatchObject({ timesFailed: 3, timesRun: 3, attempt: 3 });
      const runs = await t.scheduler.runs({ taskId: id });
      expect(runs.map((r) => [r.attempt, r.status, r.message])).toEqual([
        [3, 'FAILED', 'attempt 3 failed'],
        [2, 'FAILED', 'attempt 2 failed'],
        [1, 'FAILED', 'attempt 1 failed'],
      ]);
      const [a, b, c] = state.attempts;
      expect(b - a).toBeGreaterThanOrEqual(55); // 60 ms
      expect(c - b).toBeGreaterThanOrEqual(115); // 120 ms
    });

    it('ends a run that outlives its timeout as TIMEOUT and aborts its signal', async () => {
      const { id } = await t.scheduler.enqueue('hangs');
      const { latestRun } = await waitForTask(t.scheduler, id, ['TIMEOUT']);
      expect(latestRun).toMatchObject({ status: 'TIMEOUT', message: 'Job "hangs" timed out after 150 ms.' });
      expect(latestRun!.durationMs).toBeGreaterThanOrEqual(140);
      await waitFor(() => state.signals.find((s) => s.job === 'hangs'));
      expect(state.signals.find((s) => s.job === 'hangs')!.reason).toContain('timed out');
    });

    it('stops a queued task: it becomes STOPPED and never runs', async () => {
      const { id } = await t.scheduler.enqueue('quick', undefined, { delay: '1h' });
      expect(await t.scheduler.stop(id)).toBe('STOPPED');
      await t.dataSource.getRepository(Task).update(id, { nextRunTime: 0 });
      await sleep(150);
      const { task, latestRun } = await t.scheduler.status(id);
      expect(task.status).toBe('STOPPED');
      expect(latestRun).toBeNull();
    });

    it('stops a running task: its signal is aborted and it ends STOPPED', async () => {
      const { id } = await t.scheduler.enqueue('waits-for-stop');
      await waitForTask(t.scheduler, id, ['RUNNING']);
      expect(await t.scheduler.stop(id)).toBe('RUNNING');
      const { latestRun } = await waitForTask(t.scheduler, id, ['STOPPED']);
      expect(latestRun).toMatchObject({ status: 'STOPPED', message: 'stopped on request', output: 'started' });
      await waitFor(() => state.signals.find((s) => s.job === 'waits-for-stop'));
    });

    it('shows progress and output through status() while the task runs', async () => {
      state.gate = new Gate();
      const { id } = await t.scheduler.enqueue('reports-progress');
      const live = await waitFor(async () => {
        const view = await t.scheduler.status(id);
        return view.task.progress === 50 ? view : null;
      });
      expect(live.task).toMatchObject({
        status: 'RUNNING',
        progress: 50,
        progressMessage: 'half way',
        output: 'processed 500 of 1000 rows',
      });
      expect(live.latestRun).toBeNull();
      state.gate.open();
      const done = await waitForTask(t.scheduler, id, ['COMPLETED']);
      expect(done.latestRun!.output).toBe('processed 500 of 1000 rows');
      expect(done.task.output).toBeNull();
    });

    it('never runs more than `concurrency` tasks at once', async () => {
      state.maxRunning = 0;
      const ids = await Promise.all(Array.from({ length: 9 }, () => t.scheduler.enqueue('counted')));
      for (const { id } of ids) await waitForTask(t.scheduler, id, ['COMPLETED']);
      expect(state.maxRunning).toBe(3);
    });

    it('never runs more tasks of a job than its own concurrency limit, whatever the worker could take', async () => {
      state.maxRunning = 0;
      const ids = await Promise.all(Array.from({ length: 5 }, () => t.scheduler.enqueue('one-at-a-time')));
      for (const { id } of ids) await waitForTask(t.scheduler, id, ['COMPLETED']);
      expect(state.maxRunning).toBe(1);
    });

    it('does not claim tasks of a deactivated job, and runs them once it is activated again', async () => {
      await t.scheduler.deactivate('quick');
      const { id } = await t.scheduler.enqueue('quick');
      await sleep(200);
      expect((await t.scheduler.status(id)).task.status).toBe('QUEUED');
      await expect(t.scheduler.runNow('quick')).rejects.toThrow('Job "quick" is deactivated');
      await t.scheduler.activate('quick');
      await waitForTask(t.scheduler, id, ['COMPLETED']);
    });

    it('runs a recurring task on its schedule, re-queuing one task row for each next slot', async () => {
      const runs = await waitFor(async () => {
        const found = await t.scheduler.runs({ job: 'heartbeat.tick', status: 'COMPLETED' });
        return found.length >= 3 ? found : null;
      }, 5000);
      const slots = runs.map((r) => r.scheduledFor!).sort((a, b) => a - b);
      // Every slot lies on the 150 ms grid. When a run ends after later slots have passed, the
      // default misfire policy ('run-once') runs only the latest missed slot, so on a loaded
      // machine two consecutive runs may be two or more periods apart, never off the grid.
      for (const gap of [slots[1] - slots[0], slots[2] - slots[1]]) {
        expect(gap).toBeGreaterThan(0);
        expect(gap % 150).toBe(0);
      }
      expect(JSON.parse(runs[0].result!).payload).toEqual({ source: 'schedule' });
      expect(await t.dataSource.getRepository(Task).countBy({ jobName: 'heartbeat.tick' })).toBe(1);
      expect(new Set(runs.map((r) => r.taskId)).size).toBe(1);
    });

    it('runNow queues an extra run of a recurring job beside its schedule', async () => {
      const { id } = await t.scheduler.runNow('heartbeat.tick');
      const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
      expect(JSON.parse(latestRun!.result!).payload).toEqual({ source: 'schedule' });
    });

    it('interrupts tasks still running after the grace period on shutdown and re-queues them', async () => {
      const { id } = await t.scheduler.enqueue('waits-for-stop');
      await waitForTask(t.scheduler, id, ['RUNNING']);
      const closing = Date.now();
      await t.close();
      expect(Date.now() - closing).toBeLessThan(3000);
      t = await bootApp(db, [BehaviourJobs], { worker: false });
      const { task, latestRun } = await t.scheduler.status(id);
      expect(task).toMatchObject({ status: 'QUEUED', attempt: 0, assignedWorker: null, claimToken: null });
      expect(latestRun).toMatchObject({ status: 'INTERRUPTED', message: 'interrupted by shutdown; re-queued' });
      await t.close();
      // The next process picks it up again.
      t = await bootApp(db, [BehaviourJobs]);
      await waitForTask(t.scheduler, id, ['RUNNING']);
      await t.scheduler.stop(id);
      await waitForTask(t.scheduler, id, ['STOPPED']);
      expect((await t.dataSource.getRepository(Run).findBy({ taskId: id })).map((r) => r.attempt).sort()).toEqual([
        1, 1,
      ]);
    });
  },
  CORE_DIALECTS,
);
