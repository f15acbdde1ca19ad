import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, JobContext, Task, type TaskEvent } from '../../lib/index.js';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CORE_DIALECTS, freshDatabase, waitFor, waitForTask, type TestApp } from '../support/test-app.js';
import { EventRecorder } from './recorder.js';

const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
class LifecycleJobs {
  @Job('ev.ok')
  async ok(payload: { n: number }) {
    return { doubled: payload.n * 2 };
  }

  @Job('ev.flaky', { retries: 1 })
  async flaky(_: unknown, ctx: JobContext) {
    throw new Error(`boom on attempt ${ctx.attempt}`);
  }

  @Job('ev.hangs', { timeout: 100 })
  async hangs(_: unknown, ctx: JobContext) {
    await untilAborted(ctx.signal);
  }

  @Job('ev.waits')
  async waits(_: unknown, ctx: JobContext) {
    await untilAborted(ctx.signal);
  }

  /** A group no worker of this application serves: only the test's simulated worker claims it. */
  @Job('ev.ghosted', { group: 'elsewhere' })
  async ghosted() {}
}

/** Exactly one event per task, and the one expected. */
async function onlyEvent(taskId: number, type: TaskEvent['type']): Promise<TaskEvent> {
  const [event] = await waitFor(
    () => (EventRecorder.of(taskId).length > 0 ? EventRecorder.of(taskId) : null),
    5000,
    `a ${type} event of task ${taskId}`,
  );
  await sleep(100); // a second delivery, were there one, would have arrived by now
  expect(EventRecorder.of(taskId).map((e) => e.type)).toEqual([type]);
  return event;
}

describeForDialects(
  'lifecycle events',
  (dialect) => {
    let t: TestApp;
    const streamed: TaskEvent[] = [];
    let streamCompleted = false;

    beforeAll(async () => {
      EventRecorder.events = [];
      const db = await freshDatabase(dialect);
      t = await bootApp(db, [LifecycleJobs, EventRecorder], {
        retryBackoff: 50,
        impersonation: { resolveUser: (id) => ({ id }) },
      });
      t.scheduler.events$.subscribe({
        next: (event) => streamed.push(event),
        complete: () => (streamCompleted = true),
      });
    });
    afterAll(() => t?.close());

    it('a completed run: once, after it is recorded, with the task, run, job, attempt, user and result', async () => {
      const { id } = await t.scheduler.enqueue('ev.ok', { n: 21 }, { runAs: 42 });
      const event = await onlyEvent(id, 'completed');
      const { latestRun } = await t.scheduler.status(id);
      expect(event).toEqual({
        type: 'completed',
        taskId: id,
        runId: latestRun!.id,
        job: 'ev.ok',
        attempt: 1,
        userId: '42',
        status: 'COMPLETED',
        runStatus: 'COMPLETED',
        message: null,
        error: null,
        result: { doubled: 42 },
        worker: latestRun!.worker,
        finishedAt: latestRun!.stopTime,
      });
      expect(streamed.filter((e) => e.taskId === id)).toEqual([event]);
    });

    it('a failing run with a retry left is retrying, then failed once retries are used up', async () => {
      const { id } = await t.scheduler.enqueue('ev.flaky');
      await waitForTask(t.scheduler, id, ['FAILED']);
      const events = await waitFor(() => (EventRecorder.of(id).length >= 2 ? EventRecorder.of(id) : null), 5000);
      const runs = (await t.scheduler.runs({ taskId: id })).reverse();
      expect(events.map((e) => [e.type, e.attempt, e.runId, e.status, e.runStatus, e.error?.message])).toEqual([
        ['retrying', 1, runs[0].id, 'QUEUED', 'FAILED', 'boom on attempt 1'],
        ['failed', 2, runs[1].id, 'FAILED', 'FAILED', 'boom on attempt 2'],
      ]);
      expect(events[0]).toMatchObject({ retryDelayMs: 50, userId: null });
      expect(events[1].error!.stack).toContain('Error: boom on attempt 2');
    });

    it('a run past its timeout is timeout', async () => {
      const { id } = await t.scheduler.enqueue('ev.hangs');
      const event = await onlyEvent(id, 'timeout');
      expect(event).toMatchObject({
        status: 'TIMEOUT',
        runStatus: 'TIMEOUT',
        attempt: 1,
        error: { message: 'Job "ev.hangs" timed out after 100 ms.' },
      });
    });

    it('stop() of a queued task is stopped, without a run, in the process that stopped it', async () => {
      const { id } = await t.scheduler.enqueue('ev.ok', { n: 1 }, { delay: '1h', runAs: 'ada' });
      await t.scheduler.stop(id);
      const event = await onlyEvent(id, 'stopped');
      expect(event).toMatchObject({
        runId: null,
        runStatus: null,
        status: 'STOPPED',
        attempt: 0,
        userId: 'ada',
        worker: null,
        error: null,
      });
    });

    it('stop() of a running task is stopped, with its STOPPED run, from the worker', async () => {
      const { id } = await t.scheduler.enqueue('ev.waits');
      await waitForTask(t.scheduler, id, ['RUNNING']);
      await t.scheduler.stop(id);
      const event = await onlyEvent(id, 'stopped');
      const { latestRun } = await t.scheduler.status(id);
      expect(event).toMatchObject({
        runId: latestRun!.id,
        runStatus: 'STOPPED',
        status: 'STOPPED',
        message: 'stopped on request',
      });
    });

    it('a task whose stop time passes unclaimed is expired, from the worker that expired it', async () => {
      const { id } = await t.scheduler.enqueue('ev.ghosted', undefined, { stopAt: Date.now() + 100, runAs: 7 });
      const event = await onlyEvent(id, 'expired');
      expect(event).toMatchObject({
        runId: null,
        runStatus: null,
        status: 'EXPIRED',
        attempt: 0,
        job: 'ev.ghosted',
        userId: '7',
        worker: null,
      });
      expect((await t.scheduler.status(id)).task.status).toBe('EXPIRED');
    });

    it('the attempt of a worker that stopped heartbeating is lost, from the worker that rescued it', async () => {
      const { id } = await t.scheduler.enqueue('ev.ghosted');
      // A worker that claims and dies before its first heartbeat: it has no row, and its claim is old.
      const engine = t.app.get(KronosRuntime, { strict: false }).engine;
      const [claimed] = await engine.claim({
        worker: 'ghost-1',
        groups: ['elsewhere'],
        jobNames: ['ev.ghosted'],
        limit: 1,
        now: null,
      });
      expect(claimed.id).toBe(id);
      await t.dataSource.getRepository(Task).update(id, { claimedAt: Date.now() - 60_000 });
      const event = await onlyEvent(id, 'lost');
      const { latestRun } = await t.scheduler.status(id);
      expect(event).toMatchObject({
        runId: latestRun!.id,
        runStatus: 'LOST',
        status: 'FAILED',
        attempt: 1,
        worker: 'ghost-1',
        error: { message: 'worker lost: ghost-1 stopped heartbeating', stack: null },
      });
      expect(latestRun!.status).toBe('LOST');
    });

    it('a run cut short by shutdown is interrupted, and events$ completes with the application', async () => {
      const { id } = await t.scheduler.enqueue('ev.waits');
      await waitForTask(t.scheduler, id, ['RUNNING']);
      await t.close();
      const event = await onlyEvent(id, 'interrupted');
      expect(event).toMatchObject({ runStatus: 'INTERRUPTED', status: 'QUEUED', attempt: 1 });
      await waitFor(() => streamCompleted, 2000, 'events$ to complete');
      expect(streamed).toEqual(EventRecorder.events);
    });
  },
  CORE_DIALECTS,
);
