import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, JobContext, Result } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CORE_DIALECTS, freshDatabase, waitForTask, type TestApp } from '../support/test-app.js';

@Injectable()
class ReportJobs {
  @Job('report.sum')
  async sum(payload: { numbers: number[] }, ctx: JobContext) {
    ctx.log('summing', payload.numbers.length, 'numbers');
    return { total: payload.numbers.reduce((a, b) => a + b, 0), attempt: ctx.attempt };
  }

  @Job('report.explicit')
  async explicit() {
    return Result.success('Aggregates updated', { output: 'recomputed 3 rows', data: { rows: 3 } });
  }

  @Job('report.refused')
  async refused() {
    return Result.failure('Upstream refused the export', { output: 'HTTP 503' });
  }

  @Job('report.broken')
  async broken() {
    throw new TypeError('cannot read the ledger');
  }

  @Job('report.clearing')
  async clearing(_: unknown, ctx: JobContext) {
    ctx.log('step 1');
    ctx.log('!clear!');
    ctx.log('step 2 only');
  }
}

describeForDialects('recording runs', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(await freshDatabase(dialect), [ReportJobs]);
  });
  afterAll(() => t?.close());

  it('runs an enqueued task and stores its JSON return value as the result', async () => {
    const { id, uuid } = await t.scheduler.enqueue('report.sum', { numbers: [1, 2, 3] });
    expect(typeof id).toBe('number');
    expect(uuid).toMatch(/[0-9a-f-]{36}/);
    const { task, latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
    expect(task.timesRun).toBe(1);
    expect(latestRun).toMatchObject({ status: 'COMPLETED', jobName: 'report.sum', attempt: 1, taskId: id });
    expect(JSON.parse(latestRun!.result!)).toEqual({ total: 6, attempt: 1 });
    expect(latestRun!.output).toBe('summing 3 numbers');
    expect(latestRun!.stopTime! - latestRun!.startTime).toBe(latestRun!.durationMs);
    expect(latestRun!.worker).toMatch(/#\d+#/);
  });

  it('records the message, output and data of a Result.success', async () => {
    const { id } = await t.scheduler.enqueue('report.explicit');
    const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
    expect(latestRun).toMatchObject({ status: 'COMPLETED', message: 'Aggregates updated', output: 'recomputed 3 rows' });
    expect(JSON.parse(latestRun!.result!)).toEqual({ rows: 3 });
  });

  it('records a Result.failure as a FAILED run with its message', async () => {
    const { id } = await t.scheduler.enqueue('report.refused');
    const { task, latestRun } = await waitForTask(t.scheduler, id, ['FAILED']);
    expect(task.timesFailed).toBe(1);
    expect(latestRun).toMatchObject({ status: 'FAILED', message: 'Upstream refused the export', output: 'HTTP 503' });
  });

  it('records a thrown error with its message and stack trace, and the worker carries on', async () => {
    const { id } = await t.scheduler.enqueue('report.broken');
    const { latestRun } = await waitForTask(t.scheduler, id, ['FAILED']);
    expect(latestRun!.message).toBe('cannot read the ledger');
    expect(latestRun!.traceback).toContain('TypeError: cannot read the ledger');
    expect(latestRun!.traceback).toContain('broken');
    const next = await t.scheduler.enqueue('report.sum', { numbers: [5] });
    await waitForTask(t.scheduler, next.id, ['COMPLETED']);
  });

  it('clears earlier output when a handler logs !clear!', async () => {
    const { id } = await t.scheduler.enqueue('report.clearing');
    const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
    expect(latestRun!.output).toBe('step 2 only');
  });

  it('lists runs newest first, filtered by job, task and status', async () => {
    const failed = await t.scheduler.runs({ status: 'FAILED' });
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.every((run) => run.status === 'FAILED')).toBe(true);
    const sums = await t.scheduler.runs({ job: 'report.sum' });
    expect(sums.map((r) => r.id)).toEqual([...sums.map((r) => r.id)].sort((a, b) => b - a));
    expect(await t.scheduler.runs({ taskId: sums[0].taskId })).toHaveLength(1);
    expect(await t.scheduler.runs({ limit: 1 })).toHaveLength(1);
  });
}, CORE_DIALECTS);
