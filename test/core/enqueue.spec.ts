import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  IdempotencyConflictError,
  InvalidEnqueueOptionError,
  Job,
  PayloadNotSerializableError,
  PayloadTooLargeError,
  Task,
  UnknownJobError,
} from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CORE_DIALECTS, freshDatabase, waitForTask, type TestApp } from '../support/test-app.js';

const seen: unknown[] = [];

@Injectable()
class MailJobs {
  @Job('mail.send')
  async send(payload: unknown) {
    seen.push(payload);
    return 'sent';
  }

  @Job('mail.digest')
  async digest() {
    return 'digested';
  }
}

describeForDialects(
  'enqueue',
  (dialect) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp(await freshDatabase(dialect), [MailJobs], { maxPayloadBytes: 1000 });
    });
    afterAll(() => t?.close());
    const taskCount = () => t.dataSource.getRepository(Task).count();

    it('rejects an unknown job name with a typed error and writes nothing', async () => {
      const before = await taskCount();
      await expect(t.scheduler.enqueue('mail.sned', {})).rejects.toThrow(UnknownJobError);
      await expect(t.scheduler.enqueue('mail.sned', {})).rejects.toThrow('Unknown job "mail.sned"');
      expect(await taskCount()).toBe(before);
    });

    it.each([
      ['a function', { to: 'a', render: () => 'x' }, '$.render'],
      ['a BigInt', { amount: 10n }, '$.amount'],
      [
        'a cycle',
        (() => {
          const o: any = { a: 1 };
          o.self = o;
          return o;
        })(),
        '$.self',
      ],
      ['a class instance', { when: new Map() }, '$.when'],
      ['NaN', { list: [1, Number.NaN] }, '$.list[1]'],
      ['undefined inside', { to: undefined }, '$.to'],
    ])('rejects a payload holding %s, naming the path, and writes nothing', async (_what, payload, path) => {
      const before = await taskCount();
      const error = await t.scheduler.enqueue('mail.send', payload).catch((e) => e);
      expect(error).toBeInstanceOf(PayloadNotSerializableError);
      expect(error.message).toContain('"mail.send"');
      expect(error.message).toContain(path);
      expect(await taskCount()).toBe(before);
    });

    it('rejects a payload over maxPayloadBytes, naming its size and the limit', async () => {
      const before = await taskCount();
      const error = await t.scheduler.enqueue('mail.send', { body: 'x'.repeat(2000) }).catch((e) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error.message).toMatch(/"mail.send" is 2011 bytes, over the limit of 1000 bytes/);
      expect(await taskCount()).toBe(before);
    });

    it.each([
      ['startAt with delay', { startAt: new Date(), delay: '1m' }, 'delay'],
      ['a stopAt before the start', { delay: '1h', stopAt: new Date() }, 'stopAt'],
      ['an invalid uuid', { uuid: 'has spaces in it' }, 'uuid'],
      ['negative retries', { retries: -1 }, 'retries'],
      ['an invalid date', { startAt: 'next tuesday' }, 'startAt'],
      ['an invalid delay', { delay: 'soon' }, 'delay'],
    ])('rejects %s, naming the field', async (_what, options, field) => {
      const error = await t.scheduler.enqueue('mail.send', {}, options as never).catch((e) => e);
      expect(error.message).toContain(`"mail.send"`);
      expect(error.message).toContain(field);
      expect(error).toBeInstanceOf(InvalidEnqueueOptionError);
    });

    it.each([
      ['priority', Number.NaN, 'priority NaN is not an integer'],
      ['priority', Number.POSITIVE_INFINITY, 'priority Infinity is not an integer'],
      ['priority', 1.5, 'priority 1.5 is not an integer'],
      ['retries', Number.NaN, 'retries NaN is not a non-negative integer'],
      ['retries', Number.NEGATIVE_INFINITY, 'retries -Infinity is not a non-negative integer'],
      ['retries', 2 ** 40, 'retries 1099511627776 is not a non-negative integer up to 2147483647'],
      ['timeout', Number.NaN, 'timeout NaN is not a duration'],
      ['timeout', -0, 'timeout -0 must be greater than zero'],
      ['timeout', '30d', 'timeout "30d" is longer than 2147483647 ms'],
      ['delay', Number.POSITIVE_INFINITY, 'delay Infinity is not a duration'],
      ['delay', 1e300, 'delay 1e+300 ends after the last date a JavaScript Date can hold'],
      ['startAt', Number.NaN, 'startAt NaN is not a valid date'],
      ['startAt', 1e300, 'startAt 1e+300 is not a valid date'],
      ['runAs', Number.NaN, 'runAs NaN is not a user id'],
    ])('names a bad number as JavaScript writes it: %s %p', async (field, value, message) => {
      const before = await taskCount();
      const error = await t.scheduler.enqueue('mail.send', {}, { [field]: value }).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidEnqueueOptionError);
      expect(error.message).toContain(`Invalid enqueue option for job "mail.send": ${message}`);
      expect(await taskCount()).toBe(before); // nothing reached the database, on any dialect
    });

    it('treats uuid as an idempotency key: the same job, payload and runAs return the existing task', async () => {
      const first = await t.scheduler.enqueue(
        'mail.send',
        { n: 1, to: ['a', 'b'] },
        { uuid: 'welcome-mail:user-42', delay: '1h', runAs: 42 },
      );
      // Key order is not a difference; options saying how to run it keep the first enqueue's values.
      const second = await t.scheduler.enqueue(
        'mail.send',
        { to: ['a', 'b'], n: 1 },
        { uuid: 'welcome-mail:user-42', priority: 5, runAs: '42' },
      );
      expect(second).toEqual(first);
      const rows = await t.dataSource.getRepository(Task).findBy({ uuid: 'welcome-mail:user-42' });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ payload: '{"n":1,"to":["a","b"]}', priority: 0, runAs: '42' });
    });

    it.each([
      [
        'another job',
        'mail.digest',
        { n: 1 },
        { runAs: 7 },
        ['job'],
        'with another job (this enqueue is for "mail.digest")',
      ],
      ['another payload', 'mail.send', { n: 2 }, { runAs: 7 }, ['payload'], 'with a different payload'],
      ['another runAs user', 'mail.send', { n: 1 }, { runAs: 8 }, ['runAs'], 'with a different runAs user'],
      ['no payload', 'mail.send', undefined, { runAs: 7 }, ['payload'], 'with a different payload'],
      [
        'everything different',
        'mail.digest',
        { n: 3 },
        {},
        ['job', 'payload', 'runAs'],
        'with another job (this enqueue is for "mail.digest"), a different payload and a different runAs user',
      ],
    ])(
      'refuses a uuid reused for %s with IdempotencyConflictError, keeping the first task as it was',
      async (_what, job, payload, options, differences, wording) => {
        const uuid = `reused-${differences.join('-')}-${job}-${payload === undefined}`;
        const first = await t.scheduler.enqueue('mail.send', { n: 1 }, { uuid, delay: '1h', runAs: 7 });
        const error = await t.scheduler.enqueue(job, payload, { uuid, ...options }).catch((e) => e);
        expect(error).toBeInstanceOf(IdempotencyConflictError);
        expect(error).toMatchObject({ uuid, taskId: first.id, job: 'mail.send', requestedJob: job, differences });
        expect(error.message).toBe(
          `Idempotency key "${uuid}" is already used by task ${first.id} of job "mail.send" ${wording}; ` +
            'the same uuid returns the existing task only for the same job, payload and runAs. Use a new uuid for different work.',
        );
        const rows = await t.dataSource.getRepository(Task).findBy({ uuid });
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ id: first.id, jobName: 'mail.send', payload: '{"n":1}', runAs: '7' });
      },
    );

    it("refuses a reused uuid inside the caller's transaction too, which stays usable", async () => {
      const first = await t.scheduler.enqueue('mail.send', { n: 1 }, { uuid: 'reused-in-transaction', delay: '1h' });
      const outcome = await t.dataSource.transaction(async (manager) => {
        const refused = await t.scheduler
          .enqueue('mail.send', { n: 2 }, { uuid: 'reused-in-transaction', manager })
          .catch((e) => e);
        const same = await t.scheduler.enqueue('mail.send', { n: 1 }, { uuid: 'reused-in-transaction', manager });
        return { refused, same };
      });
      expect(outcome.refused).toBeInstanceOf(IdempotencyConflictError);
      expect(outcome.same).toEqual(first);
    });

    it("enqueues inside the caller's transaction: a rollback removes the task", async () => {
      const before = await taskCount();
      await expect(
        t.dataSource.transaction(async (manager) => {
          await t.scheduler.enqueue('mail.send', { tx: 'rolled back' }, { manager });
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      expect(await taskCount()).toBe(before);
    });

    it("enqueues inside the caller's transaction: a commit makes the task run", async () => {
      const { id } = await t.dataSource.transaction((manager) =>
        t.scheduler.enqueue('mail.send', { tx: 'committed' }, { manager }),
      );
      await waitForTask(t.scheduler, id, ['COMPLETED']);
      expect(seen).toContainEqual({ tx: 'committed' });
      expect(seen).not.toContainEqual({ tx: 'rolled back' });
    });

    it('does not run a task before its start time', async () => {
      const start = Date.now();
      const { id } = await t.scheduler.enqueue('mail.send', { later: true }, { delay: '1h' });
      await new Promise((r) => setTimeout(r, 150));
      const { task } = await t.scheduler.status(id);
      expect(task.status).toBe('QUEUED');
      expect(task.nextRunTime).toBeGreaterThanOrEqual(start + 3_600_000 - 1000);
    });

    it('runs a task whose start time is reached', async () => {
      const { id } = await t.scheduler.enqueue('mail.send', { soon: true }, { startAt: Date.now() + 200 });
      const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
      expect(latestRun!.startTime).toBeGreaterThanOrEqual(latestRun!.scheduledFor!);
    });
  },
  CORE_DIALECTS,
);
