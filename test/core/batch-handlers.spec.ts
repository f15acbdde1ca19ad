import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import {
  InvalidJobOptionError,
  Job,
  Result,
  Run,
  ScheduledTask,
  Task,
  type BatchContext,
  type DeadLetter,
  type BatchItemResult,
} from '../../lib/index.js';
import { normalizeJobOptions } from '../../lib/registry/job-options.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, type TestApp } from '../support/test-app.js';

/** The sizes of the calls each batch job received, and the attempts each payload saw. */
const calls = new Map<string, number[]>();
const seen = new Map<string, number>();
const aborted: number[] = [];
const holding: number[][] = [];
let release: (value: unknown) => void = () => undefined;
const letters: DeadLetter[] = [];
const userCalls: { user: string | null; userId: string | null; owners: string[] }[] = [];
const record = (job: string, size: number) => calls.set(job, [...(calls.get(job) ?? []), size]);

@Injectable()
class BulkJobs {
  @Job('bulk.insert', { batch: { size: 10 } })
  async insert(payloads: { n: number }[], ctx: BatchContext<{ n: number }>) {
    record('bulk.insert', payloads.length);
    expect(ctx.tasks.map((task) => task.payload)).toEqual(payloads);
    return payloads.map(({ n }) => ({ doubled: n * 2 }));
  }

  /** The item flagged `bad` fails on its first attempt only; the others complete at once. */
  @Job('bulk.mail', { batch: { size: 10 }, retries: 2 })
  async mail(payloads: { to: string; bad?: boolean }[]): Promise<BatchItemResult[]> {
    record('bulk.mail', payloads.length);
    return payloads.map(({ to, bad }) => {
      const attempt = (seen.get(to) ?? 0) + 1;
      seen.set(to, attempt);
      if (bad && attempt === 1) return new Error(`mailbox ${to} is full`);
      return bad ? Result.success(`sent to ${to} on attempt ${attempt}`) : to;
    });
  }

  @Job('bulk.down', { batch: { size: 10 }, retries: 1 })
  async down(payloads: unknown[]) {
    record('bulk.down', payloads.length);
    throw new Error('the provider is down');
  }

  /** Never returns on its own: the call's timeout ends every task, and ctx.signal tells the handler. */
  @Job('bulk.slow', { batch: { size: 10 }, timeout: 100 })
  async slow(payloads: unknown[], ctx: BatchContext) {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    aborted.push(payloads.length);
  }

  @Job('bulk.charge', { batch: { size: 10 }, deadLetter: 'bulk.failed' })
  async charge(payloads: { order: number }[]) {
    return payloads.map(({ order }) => (order % 2 === 0 ? new Error(`order ${order} declined`) : 'charged'));
  }

  @Job('bulk.failed')
  async failed(letter: DeadLetter) {
    letters.push(letter);
  }

  /** Runs until the test lets it go; records whether its signal fired. */
  @Job('bulk.held', { batch: { size: 10 } })
  async held(payloads: { n: number }[], ctx: BatchContext<{ n: number }>) {
    holding.push(ctx.tasks.map((task) => task.taskId));
    await new Promise((resolve) => (release = resolve));
    return payloads.map(({ n }) => ({ n, signalled: ctx.signal.aborted }));
  }

  /** Each call's user and the users of its tasks, as queued. */
  @Job('bulk.per-user', { batch: { size: 10 } })
  async perUser(payloads: { owner: string }[], ctx: BatchContext<{ owner: string }, { id: string }>) {
    userCalls.push({ user: ctx.user?.id ?? null, userId: ctx.userId, owners: payloads.map((p) => p.owner) });
  }

  /** With a wait, a worker holding a few tasks gathers more before the call. */
  @Job('bulk.gathered', { batch: { size: 10, wait: '2s' } })
  async gathered(payloads: unknown[]) {
    record('bulk.gathered', payloads.length);
  }
}

describe('the batch option, checked at start-up', () => {
  const check = (batch: unknown) => () => normalizeJobOptions('bulk.x', { batch } as never, { timeoutMs: 1000 });

  it('refuses a bad size, wait or field with an InvalidJobOptionError naming the job, the field and the value', () => {
    expect(check({ size: 0 })).toThrow(InvalidJobOptionError);
    expect(check({ size: 0 })).toThrow(
      'Invalid option for job "bulk.x": batch.size 0 is not an integer between 1 and 1000',
    );
    expect(check({ size: 2.5 })).toThrow('batch.size 2.5');
    expect(check({ size: 10, wait: '2h' })).toThrow(
      'batch.wait "2h" is not a whole number of milliseconds between 0 and 1 minute',
    );
    expect(check({ size: 10, every: 1 })).toThrow('batch.every 1 is not a batch field (size, wait)');
    expect(check(10)).toThrow('batch 10 is not an object');
  });

  it('accepts a size with an optional wait (default 0)', () => {
    expect(normalizeJobOptions('bulk.x', { batch: { size: 100, wait: '1s' } }, { timeoutMs: 1000 }).batch).toEqual({
      size: 100,
      waitMs: 1000,
    });
    expect(normalizeJobOptions('bulk.x', { batch: { size: 5 } }, { timeoutMs: 1000 }).batch).toEqual({
      size: 5,
      waitMs: 0,
    });
    expect(normalizeJobOptions('bulk.x', {}, { timeoutMs: 1000 }).batch).toBeNull();
  });
});

describeForDialects('batch handlers', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    calls.clear();
    userCalls.length = 0;
    aborted.length = 0;
    letters.length = 0;
    seen.clear();
    const db = await freshDatabase(dialect);
    t = await bootApp(db, [BulkJobs], { retryBackoff: 10, impersonation: { resolveUser: (id: string) => ({ id }) } });
  });
  afterAll(() => t?.close());
  const tasks = () => t.dataSource.getRepository(Task);
  const runs = () => t.dataSource.getRepository(Run);
  const allEnded = (ids: number[], statuses: string[]) =>
    waitFor(
      async () => (await tasks().countBy({ id: In(ids), status: In(statuses) })) === ids.length,
      30_000,
      `${ids.length} tasks ${statuses.join('/')}`,
    );

  it('receives its tasks in calls of at most size, and each task gets its own run row, status and result', async () => {
    const ids = (
      await t.scheduler.enqueueMany(
        'bulk.insert',
        Array.from({ length: 35 }, (_, n) => ({ n })),
      )
    ).map((task) => task.id);
    await allEnded(ids, ['COMPLETED']);
    const sizes = calls.get('bulk.insert')!;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(35);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    const rows = await runs().findBy({ taskId: In(ids) });
    expect(rows).toHaveLength(35);
    expect(rows.every((run) => run.status === 'COMPLETED')).toBe(true);
    const byTask = new Map(rows.map((run) => [run.taskId, run]));
    for (const [n, id] of ids.entries()) expect(JSON.parse(byTask.get(id)!.result!)).toEqual({ doubled: n * 2 });
  });

  it('an Error at one index fails and retries only that task; the others complete once', async () => {
    const payloads = Array.from({ length: 6 }, (_, n) => ({
      to: `user${n}@example.com`,
      ...(n === 2 ? { bad: true } : {}),
    }));
    const ids = (await t.scheduler.enqueueMany('bulk.mail', payloads)).map((task) => task.id);
    await allEnded(ids, ['COMPLETED']);
    const rows = await runs().find({ where: { taskId: In(ids) }, order: { id: 'ASC' } });
    const of = (id: number) => rows.filter((run) => run.taskId === id);
    expect(of(ids[2]).map((run) => [run.status, run.message])).toEqual([
      ['FAILED', 'mailbox user2@example.com is full'],
      ['COMPLETED', 'sent to user2@example.com on attempt 2'],
    ]);
    for (const id of ids.filter((_, n) => n !== 2)) expect(of(id).map((run) => run.status)).toEqual(['COMPLETED']);
    expect(JSON.parse(of(ids[0])[0].result!)).toBe('user0@example.com');
  });

  it('a thrown error fails every task of the call, each retried on its own and FAILED once out of retries', async () => {
    const ids = (
      await t.scheduler.enqueueMany(
        'bulk.down',
        Array.from({ length: 4 }, (_, n) => ({ n })),
      )
    ).map((task) => task.id);
    await allEnded(ids, ['FAILED']);
    const rows = await runs().findBy({ taskId: In(ids) });
    expect(rows).toHaveLength(8);
    expect(rows.every((run) => run.status === 'FAILED' && run.message === 'the provider is down')).toBe(true);
    for (const id of ids) expect(rows.filter((run) => run.taskId === id)).toHaveLength(2);
  });

  it('with a wait, tasks queued shortly after the first join the same call', async () => {
    const first = await t.scheduler.enqueue('bulk.gathered', { n: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const rest = await t.scheduler.enqueueMany(
      'bulk.gathered',
      Array.from({ length: 9 }, (_, n) => ({ n: n + 1 })),
    );
    await allEnded([first.id, ...rest.map((task) => task.id)], ['COMPLETED']);
    expect(calls.get('bulk.gathered')).toEqual([10]);
  });

  it('never mixes runAs users in one call: one call per user, with that user resolved in ctx.user', async () => {
    const items = ['ann', 'bob', 'ann', 'bob', 'ann'].map((owner) => ({
      job: 'bulk.per-user',
      payload: { owner },
      runAs: owner,
    }));
    const ids = (await t.scheduler.enqueueMany([...items, { job: 'bulk.per-user', payload: { owner: 'nobody' } }])).map(
      (task) => task.id,
    );
    await allEnded(ids, ['COMPLETED']);
    for (const call of userCalls) {
      expect(call.user).toBe(call.userId);
      expect(call.owners.every((owner) => owner === (call.userId ?? 'nobody'))).toBe(true);
    }
    expect(userCalls.flatMap((call) => call.owners).sort()).toEqual(['ann', 'ann', 'ann', 'bob', 'bob', 'nobody']);
  });

  it('one timeout for the call: every task of a call that overruns ends TIMEOUT, and ctx.signal fires', async () => {
    const ids = (
      await t.scheduler.enqueueMany(
        'bulk.slow',
        Array.from({ length: 5 }, (_, n) => ({ n })),
      )
    ).map((task) => task.id);
    await allEnded(ids, ['TIMEOUT']);
    await waitFor(() => aborted.reduce((a, b) => a + b, 0) === 5, 5000, 'the handler saw the abort');
    const rows = await runs().findBy({ taskId: In(ids) });
    expect(rows.map((run) => run.status)).toEqual(Array(5).fill('TIMEOUT'));
  });

  it('each task that failed for the last time hands its own dead letter, naming its payload and error', async () => {
    const ids = (
      await t.scheduler.enqueueMany(
        'bulk.charge',
        Array.from({ length: 6 }, (_, order) => ({ order })),
      )
    ).map((task) => task.id);
    await allEnded(ids, ['COMPLETED', 'FAILED']);
    await waitFor(() => letters.length === 3, 10_000, 'three dead letters');
    expect(letters.map((letter) => [letter.taskId, letter.payload, letter.error.message]).sort()).toEqual(
      [0, 2, 4].map((order) => [ids[order], { order }, `order ${order} declined`]).sort(),
    );
    expect(await tasks().countBy({ id: In(ids), status: 'COMPLETED' })).toBe(3);
  });

  it('a task stopped alone ends STOPPED at once; the rest of the call goes on and completes', async () => {
    holding.length = 0;
    const ids = (await t.scheduler.enqueueMany('bulk.held', [{ n: 0 }, { n: 1 }, { n: 2 }])).map((task) => task.id);
    await waitFor(() => holding.flat().length === 3, 10_000, 'the call started');
    expect(holding).toEqual([ids]);
    await t.scheduler.stop(ids[1]);
    await allEnded([ids[1]], ['STOPPED']);
    release(undefined);
    await allEnded([ids[0], ids[2]], ['COMPLETED']);
    const rows = await runs().find({ where: { taskId: In(ids) }, order: { taskId: 'ASC' } });
    expect(rows.map((run) => run.status)).toEqual(['COMPLETED', 'STOPPED', 'COMPLETED']);
    expect(JSON.parse(rows[0].result!)).toEqual({ n: 0, signalled: false });
  });
});

describe('batch handlers refused at start-up', () => {
  it('under process isolation, and on a recurring task, naming the job and batch', async () => {
    const db = await freshDatabase('sqlite');
    @Injectable()
    class Isolated {
      @Job('bulk.isolated', { batch: { size: 10 }, isolation: 'process' })
      async run() {}
    }
    const isolated = await bootApp(db, [Isolated]).catch((e: unknown) => e);
    expect(isolated).toBeInstanceOf(InvalidJobOptionError);
    expect((isolated as Error).message).toContain(
      'Invalid option for job "bulk.isolated": batch {"size":10} cannot run under process isolation',
    );

    @Injectable()
    class Recurring {
      @ScheduledTask('bulk.recurring', { every: '1 minute', batch: { size: 10 } })
      async run() {}
    }
    const recurring = await bootApp(db, [Recurring]).catch((e: unknown) => e);
    expect(recurring).toBeInstanceOf(InvalidJobOptionError);
    expect((recurring as Error).message).toContain(
      'Invalid option for job "bulk.recurring": batch {"size":10} is for @Job handlers only',
    );
  });
});
