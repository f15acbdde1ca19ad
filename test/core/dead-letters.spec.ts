import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { In, Like } from 'typeorm';
import { InvalidJobOptionError, Job, Run, Task, type DeadLetter } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { buildFixtures } from '../support/processes.js';
import { bootApp, freshDatabase, waitFor, waitForTask, type TestApp, type TestDatabase } from '../support/test-app.js';

const letters: DeadLetter[] = [];
const attempts = new Map<number, number>();

@Injectable()
class FlakyJobs {
  @Job('flow.always-fails', { retries: 2, deadLetter: 'flow.failed' })
  async alwaysFails(payload: { order: number }) {
    throw new Error(`order ${payload.order} cannot be charged`);
  }

  @Job('flow.fails-once', { retries: 1, deadLetter: 'flow.failed' })
  async failsOnce(_payload: unknown, ctx: { taskId: number }) {
    const n = (attempts.get(ctx.taskId) ?? 0) + 1;
    attempts.set(ctx.taskId, n);
    if (n === 1) throw new Error('first attempt fails');
    return 'ok';
  }

  @Job('flow.too-slow', { timeout: 50, deadLetter: 'flow.failed' })
  async tooSlow(_payload: unknown, ctx: { signal: AbortSignal }) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)));
    });
  }

  @Job('flow.no-letters')
  async noLetters() {
    throw new Error('fails without a dead-letter job');
  }

  @Job('flow.failed')
  async failed(letter: DeadLetter) {
    letters.push(letter);
  }
}

describeForDialects('dead letters', (dialect) => {
  let t: TestApp;
  let db: TestDatabase;
  beforeAll(async () => {
    letters.length = 0; // task ids start at 1 again on each database
    db = await freshDatabase(dialect);
    t = await bootApp(db, [FlakyJobs], { retryBackoff: 10 });
  });
  afterAll(() => t?.close());
  const tasks = () => t.dataSource.getRepository(Task);

  it('a task that exhausted its retries hands its id, job, payload and last error to the deadLetter job, once', async () => {
    const { id } = await t.scheduler.enqueue('flow.always-fails', { order: 42 });
    await waitForTask(t.scheduler, id, ['FAILED'], 20_000);
    const letter = await waitFor(() => letters.find((l) => l.taskId === id), 10_000, 'the dead letter');
    const failed = await tasks().findOneByOrFail({ id });
    expect(letter).toEqual({
      taskId: id,
      uuid: failed.uuid,
      job: 'flow.always-fails',
      payload: { order: 42 },
      status: 'FAILED',
      attempts: 3,
      error: {
        message: 'order 42 cannot be charged',
        traceback: expect.stringContaining('order 42 cannot be charged'),
      },
      failedAt: expect.any(Number),
      runAs: null,
    });
    expect(await t.dataSource.getRepository(Run).countBy({ taskId: id })).toBe(3);
    expect(await tasks().countBy({ jobName: 'flow.failed', uuid: Like(`kronos:dead-letter:${id}:%`) })).toBe(1);
  });

  it('a task that succeeds on a retry, and a failed attempt with retries left, leave no dead letter', async () => {
    const { id } = await t.scheduler.enqueue('flow.fails-once', {});
    await waitForTask(t.scheduler, id, ['COMPLETED'], 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await tasks().countBy({ jobName: 'flow.failed', uuid: Like(`kronos:dead-letter:${id}:%`) })).toBe(0);
  });

  it('a last attempt that timed out is a dead letter with status TIMEOUT', async () => {
    const { id } = await t.scheduler.enqueue('flow.too-slow', {});
    await waitForTask(t.scheduler, id, ['TIMEOUT'], 20_000);
    const letter = await waitFor(() => letters.find((l) => l.taskId === id), 10_000, 'the dead letter');
    expect(letter).toMatchObject({ job: 'flow.too-slow', status: 'TIMEOUT', attempts: 1, payload: {} });
  });

  it('a job without deadLetter fails as before, queuing nothing', async () => {
    const before = await tasks().countBy({ jobName: 'flow.failed' });
    const { id } = await t.scheduler.enqueue('flow.no-letters');
    await waitForTask(t.scheduler, id, ['FAILED'], 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await tasks().countBy({ jobName: 'flow.failed' })).toBe(before);
  });

  it('many failures finishing together on two workers give one dead letter each', async () => {
    const second = await bootApp(db, [FlakyJobs], { retryBackoff: 10 });
    try {
      const ids = (
        await t.scheduler.enqueueMany(
          'flow.always-fails',
          Array.from({ length: 40 }, (_, order) => ({ order })),
          { retries: 0 },
        )
      ).map((x) => x.id);
      await waitFor(
        async () => (await tasks().countBy({ id: In(ids), status: 'FAILED' })) === 40,
        30_000,
        '40 failures',
      );
      const uuids = ids.map((id) => `kronos:dead-letter:${id}:%`);
      await waitFor(
        async () => (await tasks().count({ where: uuids.map((uuid) => ({ uuid: Like(uuid) })) })) >= 40,
        10_000,
        '40 dead letters',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const rows = await tasks().find({ where: uuids.map((uuid) => ({ uuid: Like(uuid) })) });
      expect(rows).toHaveLength(40);
      expect(new Set(rows.map((row) => (JSON.parse(row.payload!) as DeadLetter).taskId))).toEqual(new Set(ids));
    } finally {
      await second.close();
    }
  });
});

@Injectable()
class ChargeJobs {
  @Job('flow.charge', { retries: 1, deadLetter: 'flow.failed' })
  async charge() {
    throw new Error('not run here');
  }

  @Job('flow.failed')
  async failed() {}
}

describeForDialects('dead letters with three worker processes', (dialect) => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('every task failing for good gives exactly one dead letter, handled once, whichever process ran it', async () => {
    buildFixtures();
    const db = await freshDatabase(dialect);
    const web = await bootApp(db, [ChargeJobs], { worker: false });
    try {
      const log = join(mkdtempSync(join(tmpdir(), 'kronos-dead-letters-')), 'handled.log');
      for (let i = 0; i < 3; i++) {
        const child = fork('.build/test/fixtures/dead-letter-worker.js', [], {
          env: { ...process.env, KRONOS_FIXTURE_DB: JSON.stringify(db.options), KRONOS_FIXTURE_LOG: log },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
      }
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>(
              (resolve, reject) => (
                child.once('message', () => resolve()),
                child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)))
              ),
            ),
        ),
      );
      // Queued once all three claim, so they race for the tasks, their retries and the dead letters.
      const ids = (
        await web.scheduler.enqueueMany(
          'flow.charge',
          Array.from({ length: 60 }, (_, n) => ({ n })),
        )
      ).map((task) => task.id);
      const handled = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
      await waitFor(() => handled().length >= 60, 60_000, '60 dead letters handled');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const lines = handled();
      expect(lines).toHaveLength(60);
      expect(new Set(lines.map((line) => Number(line.split(' ')[0])))).toEqual(new Set(ids));
      const repo = web.dataSource.getRepository(Task);
      expect(await repo.countBy({ jobName: 'flow.charge', status: 'FAILED' })).toBe(60);
      expect(await repo.countBy({ jobName: 'flow.failed' })).toBe(60);
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await web.close();
    }
  }, 120_000);
});

describe('the deadLetter job option', () => {
  it('must name a registered job other than the job itself', async () => {
    @Injectable()
    class UnknownTarget {
      @Job('flow.a', { deadLetter: 'flow.nowhere' })
      async a() {}
    }
    @Injectable()
    class SelfTarget {
      @Job('flow.b', { deadLetter: 'flow.b' })
      async b() {}
    }
    @Injectable()
    class NotAName {
      @Job('flow.c', { deadLetter: 42 as never })
      async c() {}
    }
    const db = await freshDatabase('sqlite');
    const unknown = await bootApp(db, [UnknownTarget]).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InvalidJobOptionError);
    expect((unknown as Error).message).toContain(
      'Invalid option for job "flow.a": deadLetter "flow.nowhere" names no registered job',
    );
    const self = await bootApp(db, [SelfTarget]).catch((e: unknown) => e);
    expect(self).toBeInstanceOf(InvalidJobOptionError);
    expect((self as Error).message).toContain('deadLetter "flow.b" names the job itself');
    const notAName = await bootApp(db, [NotAName]).catch((e: unknown) => e);
    expect((notAName as InvalidJobOptionError).field).toBe('deadLetter');
  });
});
