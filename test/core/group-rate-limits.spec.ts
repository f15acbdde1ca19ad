import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { InvalidGroupOptionError, Job, Task, UnknownSchedulerOptionError } from '../../lib/index.js';
import { resolveGroupOptions } from '../../lib/registry/group-options.js';
import { drain, TestClock } from '../../lib/testing/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, type TestApp, type TestDatabase } from '../support/test-app.js';

/** Two jobs of the group `mail`, one of them with a rate limit of its own, and a job of `main`. */
@Injectable()
class MailJobs {
  @Job('mail.welcome', { group: 'mail' })
  async welcome() {}

  @Job('mail.digest', { group: 'mail' })
  async digest() {}

  @Job('mail.bounce', { group: 'mail', rateLimit: { limit: 1, per: '1m' } })
  async bounce() {}

  @Job('report.build')
  async build() {}
}

const T0 = Date.parse('2026-05-04T10:00:00Z'); // a whole minute: windows of 1 m start on it

describeForDialects('group rate limits', (dialect) => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('starts at most limit tasks of the group per window whatever their job; the rest wait QUEUED and run in later windows', async () => {
    const clock = new TestClock(T0);
    app = await bootApp(await freshDatabase(dialect), [MailJobs], {
      clock,
      worker: { groups: ['main', 'mail'], pollInterval: 50, heartbeatInterval: 250, deadAfter: 1500 },
      groups: { mail: { rateLimit: { limit: 3, per: '1m' } } },
    });
    const { scheduler, dataSource } = app;
    await scheduler.enqueueMany('mail.welcome', [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    await scheduler.enqueueMany('mail.digest', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await scheduler.enqueueMany('report.build', [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);

    const first = await drain(app.app);
    // Every task of `main` ran; of `mail`, three (of two jobs together).
    expect(first.runs.filter((r) => r.job === 'report.build')).toHaveLength(5);
    expect(first.runs.filter((r) => r.job.startsWith('mail.'))).toHaveLength(3);
    expect(first.runs.every((r) => r.status === 'COMPLETED')).toBe(true);
    expect(await dataSource.getRepository(Task).countBy({ group: 'mail', status: 'QUEUED' })).toBe(4);
    expect((await scheduler.groups()).find((g) => g.name === 'mail')!.rateLimit).toEqual({
      limit: 3,
      perMs: 60_000,
      used: 3,
    });
    expect((await scheduler.groups()).find((g) => g.name === 'main')!.rateLimit).toBeNull();

    // Later in the same window: nothing more.
    clock.advance('59s');
    expect((await drain(app.app)).count).toBe(0);

    clock.advance('1s');
    expect((await drain(app.app)).count).toBe(3);
    clock.advance('1m');
    expect((await drain(app.app)).count).toBe(1);
    expect(await dataSource.getRepository(Task).countBy({ group: 'mail', status: 'COMPLETED' })).toBe(7);
    expect(await dataSource.getRepository(Task).countBy({ status: 'FAILED' })).toBe(0);
  });

  it("holds a task to both its job's limit and its group's: the smaller room wins, and both windows count it", async () => {
    const clock = new TestClock(T0);
    app = await bootApp(await freshDatabase(dialect), [MailJobs], {
      clock,
      worker: { groups: ['mail'], pollInterval: 50, heartbeatInterval: 250, deadAfter: 1500 },
      groups: { mail: { rateLimit: { limit: 2, per: '1m' } } },
    });
    const { scheduler } = app;
    // mail.bounce may start once a minute; the group twice.
    await scheduler.enqueueMany('mail.bounce', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await scheduler.enqueueMany('mail.welcome', [{ n: 1 }, { n: 2 }, { n: 3 }]);

    const starts: string[][] = [];
    for (let minute = 0; minute < 5; minute++) {
      starts.push((await drain(app.app)).runs.map((r) => r.job).sort());
      clock.advance('1m');
    }
    for (const window of starts) {
      expect(window.length).toBeLessThanOrEqual(2);
      expect(window.filter((job) => job === 'mail.bounce').length).toBeLessThanOrEqual(1);
    }
    // Each limit was the brake in turn: the group's (two starts) while both jobs had tasks, the
    // job's (one start) once only mail.bounce tasks waited.
    expect(starts.filter((window) => window.length === 2).length).toBeGreaterThanOrEqual(1);
    expect(starts.at(-2)).toEqual(['mail.bounce']);
    expect(starts.flat().sort()).toEqual([...Array(3).fill('mail.bounce'), ...Array(3).fill('mail.welcome')]);
    expect(starts.at(-1)).toEqual([]);
  });
});

describe('group rate limit options', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
  });

  it('refuses a bad group rate limit at start-up with InvalidGroupOptionError naming the group, the field and the value', async () => {
    const error = await bootApp(db, [], { groups: { emails: { rateLimit: { limit: 0, per: '1m' } } } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidGroupOptionError);
    expect(error).toMatchObject({ group: 'emails', field: 'rateLimit.limit', value: 0 });
    expect((error as Error).message).toBe(
      'Invalid option for group "emails": rateLimit.limit 0 is not a positive integer up to 2147483647 (the most starts per window).',
    );
  });

  it('names the field and value of every kind of mistake', () => {
    const refused = (groups: unknown) => {
      try {
        resolveGroupOptions(groups);
        return null;
      } catch (e) {
        const error = e as InvalidGroupOptionError;
        expect(error).toBeInstanceOf(InvalidGroupOptionError);
        return { group: error.group, field: error.field, value: error.value };
      }
    };
    expect(refused(['emails'])).toEqual({ group: '(groups)', field: 'groups', value: ['emails'] });
    expect(refused({ 'bad group': {} })).toEqual({ group: 'bad group', field: 'name', value: 'bad group' });
    expect(refused({ ['g'.repeat(65)]: {} })).toMatchObject({ field: 'name' });
    expect(refused({ emails: 100 })).toEqual({ group: 'emails', field: 'options', value: 100 });
    expect(refused({ emails: { concurrency: 5 } })).toEqual({ group: 'emails', field: 'concurrency', value: 5 });
    expect(refused({ emails: { rateLimit: 100 } })).toEqual({ group: 'emails', field: 'rateLimit', value: 100 });
    expect(refused({ emails: { rateLimit: { limit: 2.5, per: '1s' } } })).toMatchObject({
      field: 'rateLimit.limit',
      value: 2.5,
    });
    expect(refused({ emails: { rateLimit: { limit: 10 } } })).toMatchObject({
      field: 'rateLimit.per',
      value: undefined,
    });
    expect(refused({ emails: { rateLimit: { limit: 10, per: 'soon' } } })).toMatchObject({
      field: 'rateLimit.per',
      value: 'soon',
    });
    expect(refused({ emails: { rateLimit: { limit: 10, per: '2d' } } })).toMatchObject({
      field: 'rateLimit.per',
      value: '2d',
    });
    expect(refused({ emails: { rateLimit: { limit: 10, per: '1s', burst: 5 } } })).toMatchObject({
      field: 'rateLimit.burst',
      value: 5,
    });
    expect(
      resolveGroupOptions({ emails: { rateLimit: { limit: 100, per: '1m' } }, reports: {} }).get('emails'),
    ).toEqual({ limit: 100, perMs: 60_000 });
    expect(resolveGroupOptions(undefined).size).toBe(0);
  });

  it('knows groups as a module option (a misspelt one is still refused)', async () => {
    await expect(bootApp(db, [], { group: {} } as never)).rejects.toBeInstanceOf(UnknownSchedulerOptionError);
  });
});
