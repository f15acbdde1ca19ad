import { Task } from '../../../lib/entities/index.js';
import { claimRequest, type ContractContext, outcome, running, runsOf, T0, taskRow } from './fixtures.js';

export function writeBackCases(get: () => ContractContext): void {
  it('complete writes the run row and finishes the task', async () => {
    const ctx = get();
    const task = await running(ctx, 'worker-a');
    await ctx.engine.saveProgress([
      { taskId: task.id, claimToken: task.claimToken, progress: 50, progressMessage: 'half', output: 'x' },
    ]);
    expect(await ctx.engine.complete([outcome(task, 'worker-a')])).toEqual([]);

    const row = await taskRow(ctx, task.id);
    expect(row).toMatchObject({
      status: 'COMPLETED',
      timesRun: 1,
      timesFailed: 0,
      attempt: 1,
      lastRunTime: T0 + 25,
      nextRunTime: T0,
    });
    expect(row).toMatchObject({
      assignedWorker: null,
      claimToken: null,
      claimedAt: null,
      progress: null,
      progressMessage: null,
      output: null,
    });
    expect(row.stopRequested).toBe(false);

    const runs = await runsOf(ctx, task.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      taskId: task.id,
      jobName: task.jobName,
      status: 'COMPLETED',
      worker: 'worker-a',
      attempt: 1,
      scheduledFor: T0,
      startTime: T0 + 10,
      stopTime: T0 + 25,
      durationMs: 15,
      result: '{"synced":12}',
      message: 'done',
      output: 'line 1\nline 2',
      traceback: null,
      runAs: 'user-7',
    });
  });

  it('complete is fenced: a stale claim token writes nothing and is reported', async () => {
    const ctx = get();
    const a = await running(ctx, 'worker-a');
    const b = await running(ctx, 'worker-a');
    const fenced = await ctx.engine.complete([
      outcome(a, 'worker-a', { claimToken: 'stale-token', runStatus: 'FAILED', taskStatus: 'FAILED' }),
      outcome(b, 'worker-a'),
    ]);
    expect(fenced).toEqual([a.id]);
    expect(await taskRow(ctx, a.id)).toMatchObject({ status: 'RUNNING', claimToken: a.claimToken, timesRun: 0 });
    expect(await runsOf(ctx, a.id)).toHaveLength(0);
    expect((await taskRow(ctx, b.id)).status).toBe('COMPLETED');
    expect(await runsOf(ctx, b.id)).toHaveLength(1);

    // Completing twice: the first write-back cleared the token, so the second is fenced out.
    expect(await ctx.engine.complete([outcome(b, 'worker-a')])).toEqual([b.id]);
    expect(await runsOf(ctx, b.id)).toHaveLength(1);
    expect(await ctx.engine.complete([])).toEqual([]);
  });

  it('complete writes one batch of attempts from different claims and workers, every text stored exactly', async () => {
    const ctx = get();
    const a = await running(ctx, 'worker-a');
    const b = await running(ctx, 'worker-b', { runAs: null });
    const c = await running(ctx, 'worker-a', { retries: 1 });
    const text = 'quote " backslash \\ tab \t newline \n accents é ü emoji 🚀 markup <script>&amp;';
    expect(
      await ctx.engine.complete([
        outcome(a, 'worker-a', {
          runStatus: 'FAILED',
          taskStatus: 'FAILED',
          timesFailed: 1,
          result: null,
          message: text,
          output: text,
          traceback: `Error: ${text}\n    at x`,
        }),
        outcome(b, 'worker-b', { result: JSON.stringify({ text }), message: null, output: null }),
        outcome(c, 'worker-a', {
          runStatus: 'TIMEOUT',
          taskStatus: 'QUEUED',
          delayMs: 60_000,
          timesFailed: 1,
          nextAttempt: 1,
          result: null,
          message: 'timed out',
          output: null,
        }),
      ]),
    ).toEqual([]);

    expect((await runsOf(ctx, a.id))[0]).toMatchObject({
      status: 'FAILED',
      worker: 'worker-a',
      runAs: 'user-7',
      result: null,
      message: text,
      output: text,
      traceback: `Error: ${text}\n    at x`,
    });
    expect(await taskRow(ctx, a.id)).toMatchObject({ status: 'FAILED', timesFailed: 1 });
    expect((await runsOf(ctx, b.id))[0]).toMatchObject({
      status: 'COMPLETED',
      worker: 'worker-b',
      runAs: null,
      result: JSON.stringify({ text }),
      message: null,
      output: null,
      traceback: null,
    });
    expect(await taskRow(ctx, b.id)).toMatchObject({ status: 'COMPLETED' });
    expect((await runsOf(ctx, c.id))[0]).toMatchObject({
      status: 'TIMEOUT',
      worker: 'worker-a',
      message: 'timed out',
      jobName: c.jobName,
    });
    expect(await taskRow(ctx, c.id)).toMatchObject({ status: 'QUEUED', attempt: 1, timesFailed: 1, claimToken: null });
  });

  it('complete re-queues a retry after delayMs on the database clock, and the next claim counts attempt 2', async () => {
    const ctx = get();
    const task = await running(ctx, 'worker-a', { retries: 2 });
    const before = Date.now();
    await ctx.engine.complete([
      outcome(task, 'worker-a', {
        runStatus: 'FAILED',
        taskStatus: 'QUEUED',
        delayMs: 60_000,
        nextRunTime: null,
        timesRun: 0,
        timesFailed: 1,
        nextAttempt: 1,
        result: null,
        message: 'boom',
        traceback: 'Error: boom\n    at x',
      }),
    ]);
    const after = Date.now();
    const row = await taskRow(ctx, task.id);
    expect(row).toMatchObject({
      status: 'QUEUED',
      attempt: 1,
      timesFailed: 1,
      timesRun: 0,
      claimToken: null,
      assignedWorker: null,
    });
    expect(row.nextRunTime).toBeGreaterThanOrEqual(before + 60_000 - 5_000);
    expect(row.nextRunTime).toBeLessThanOrEqual(after + 60_000 + 5_000);
    expect((await runsOf(ctx, task.id))[0]).toMatchObject({
      status: 'FAILED',
      message: 'boom',
      traceback: 'Error: boom\n    at x',
    });

    expect(await ctx.engine.claim(claimRequest({ now: row.nextRunTime - 1 }))).toEqual([]);
    const [retry] = await ctx.engine.claim(claimRequest({ now: row.nextRunTime }));
    expect(retry).toMatchObject({ id: task.id, attempt: 2, timesFailed: 1, scheduledFor: row.nextRunTime });
    expect(retry.claimToken).not.toEqual(task.claimToken);
  });

  it('complete re-queues at an explicit next run time (the next slot of a recurring task)', async () => {
    const ctx = get();
    const task = await running(ctx, 'worker-a', { schedule: '{"every":"2 minutes"}' });
    await ctx.engine.complete([
      outcome(task, 'worker-a', { taskStatus: 'QUEUED', nextRunTime: T0 + 120_000, delayMs: 999, nextAttempt: 0 }),
    ]);
    expect(await taskRow(ctx, task.id)).toMatchObject({
      status: 'QUEUED',
      nextRunTime: T0 + 120_000,
      attempt: 0,
      timesRun: 1,
    });
    const [next] = await ctx.engine.claim(claimRequest({ now: T0 + 120_000 }));
    expect(next).toMatchObject({ id: task.id, attempt: 1, scheduledFor: T0 + 120_000, timesRun: 1 });
  });

  it('saveProgress is fenced and reports lost leases', async () => {
    const ctx = get();
    const a = await running(ctx, 'worker-a');
    const b = await running(ctx, 'worker-a');
    const lost = await ctx.engine.saveProgress([
      { taskId: a.id, claimToken: a.claimToken, progress: 40, progressMessage: 'forty', output: 'one\ntwo' },
      { taskId: b.id, claimToken: 'not-the-token', progress: 90, progressMessage: 'nope', output: 'nope' },
    ]);
    expect(lost).toEqual([b.id]);
    expect(await taskRow(ctx, a.id)).toMatchObject({
      progress: 40,
      progressMessage: 'forty',
      output: 'one\ntwo',
      status: 'RUNNING',
    });
    expect(await taskRow(ctx, b.id)).toMatchObject({ progress: null, progressMessage: null, output: null });
    expect(await ctx.engine.saveProgress([])).toEqual([]);

    // A re-claim starts a fresh attempt with empty progress.
    await ctx.engine.complete([outcome(a, 'worker-a', { taskStatus: 'QUEUED', nextRunTime: T0, nextAttempt: 1 })]);
    expect(
      await ctx.engine.saveProgress([
        { taskId: a.id, claimToken: a.claimToken, progress: 1, progressMessage: null, output: null },
      ]),
    ).toEqual([a.id]);
  });

  it('stopRequests lists the running tasks of that worker whose stop was requested', async () => {
    const ctx = get();
    const a = await running(ctx, 'worker-a');
    const b = await running(ctx, 'worker-a');
    const c = await running(ctx, 'worker-b');
    expect(await ctx.engine.stopRequests('worker-a')).toEqual([]);
    await ctx.dataSource.getRepository(Task).update({ id: a.id }, { stopRequested: true });
    await ctx.dataSource.getRepository(Task).update({ id: c.id }, { stopRequested: true });
    expect(await ctx.engine.stopRequests('worker-a')).toEqual([a.id]);
    expect(await ctx.engine.stopRequests('worker-b')).toEqual([c.id]);
    await ctx.engine.complete([outcome(a, 'worker-a', { runStatus: 'STOPPED', taskStatus: 'STOPPED' })]);
    expect(await ctx.engine.stopRequests('worker-a')).toEqual([]);
    expect((await taskRow(ctx, a.id)).stopRequested).toBe(false);
    expect((await taskRow(ctx, b.id)).status).toBe('RUNNING');
  });
}
