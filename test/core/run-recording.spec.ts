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

  @Job('report.bigint', { retries: 2 })
  async bigint() {
    return { totals: [{ cents: 12n }] };
  }

  @Job('report.cycle', { retries: 2 })
  async cycle() {
    const node: Record<string, unknown> = { name: 'root' };
    node.children = [{ parent: node }];
    return node;
  }

  @Job('report.bad-data', { retries: 2 })
  async badData() {
    return Result.success('Aggregates updated', { output: 'recomputed', data: { rows: 3n } as never });
  }

  @Job('report.json-rules')
  async jsonRules() {
    // JSON.stringify's own rules: toJSON is honoured, undefined and functions are left out.
    return { at: new Date(Date.UTC(2026, 0, 2)), skipped: undefined, fn: () => 1, nan: Number.NaN, list: [undefined] };
  }

  @Job('report.clearing')
  async clearing(_: unknown, ctx: JobContext) {
    ctx.log('step 1');
    ctx.log('!clear!');
    ctx.log('step 2 only');
  }
}

describeForDialects(
  'recording runs',
  (dialect) => {
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
      expect(latestRun).toMatchObject({
        status: 'COMPLETED',
        message: 'Aggregates updated',
        output: 'recomputed 3 rows',
      });
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

    it.each([
      [
        'a return value holding a BigInt',
        'report.bigint',
        '$.totals[0].cents: BigInt 12n has no JSON form (return it as a string)',
        null,
      ],
      ['a return value with a cycle', 'report.cycle', '$.children[0].parent: circular reference', null],
      [
        'Result data holding a BigInt',
        'report.bad-data',
        '$.rows: BigInt 3n has no JSON form (return it as a string)',
        'recomputed',
      ],
    ])('fails the run for %s, naming the path, and does not retry it', async (_what, job, where, output) => {
      const { id } = await t.scheduler.enqueue(job);
      const { task, latestRun } = await waitForTask(t.scheduler, id, ['FAILED', 'COMPLETED']);
      expect(task).toMatchObject({ status: 'FAILED', timesFailed: 1, attempt: 1 }); // retries: 2, but not retried
      expect(latestRun).toMatchObject({ status: 'FAILED', result: null, output });
      expect(latestRun!.message).toBe(
        `Result of job "${job}" is not JSON-serialisable at ${where}; the handler ran to its end but its result cannot be stored.`,
      );
      expect(await t.scheduler.runs({ taskId: id })).toHaveLength(1);
    });

    it('stores any other return value as JSON.stringify writes it', async () => {
      const { id } = await t.scheduler.enqueue('report.json-rules');
      const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED', 'FAILED']);
      expect(latestRun).toMatchObject({
        status: 'COMPLETED',
        result: '{"at":"2026-01-02T00:00:00.000Z","nan":null,"list":[null]}',
      });
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
  },
  CORE_DIALECTS,
);
