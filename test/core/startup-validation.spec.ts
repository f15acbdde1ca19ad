import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  DuplicateJobError,
  InvalidJobDeclarationError,
  InvalidJobOptionError,
  InvalidScheduleError,
  InvalidSchedulerOptionError,
  Job,
  JobDefinition,
  ScheduledTask,
} from '../../lib/index.js';
import { normalizeJobOptions } from '../../lib/registry/job-options.js';
import type { JobOptions } from '../../lib/types.js';
import { bootApp, freshDatabase, type TestDatabase } from '../support/test-app.js';

// Start-up validation does not depend on the database: one dialect is enough here.
describe('start-up fails clearly on bad declarations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
  });

  it('rejects two methods declaring the same job name, naming both', async () => {
    @Injectable()
    class A {
      @Job('reports.build')
      async build() {}
    }
    @Injectable()
    class B {
      @Job('reports.build')
      async again() {}
    }
    const boot = bootApp(db, [A, B]);
    await expect(boot).rejects.toThrow(DuplicateJobError);
    await expect(bootApp(db, [A, B])).rejects.toThrow(
      'Duplicate job name "reports.build": declared by A.build and by B.again',
    );
  });

  it('rejects an unparseable schedule, naming the job, field, value, provider and method', async () => {
    @Injectable()
    class Bad {
      @ScheduledTask('digest', { every: '10 fortnights' })
      async digest() {}
    }
    const error = await bootApp(db, [Bad]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidScheduleError);
    expect(error.message).toContain('"digest"');
    expect(error.message).toContain('every');
    expect(error.message).toContain('10 fortnights');
    expect(error.message).toContain('Bad.digest');
  });

  it('rejects an invalid timeout option', async () => {
    @Injectable()
    class Slow {
      @Job('slow', { timeout: 'forever' })
      async slow() {}
    }
    const error = await bootApp(db, [Slow]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidJobOptionError);
    expect(error.message).toMatch(/job "slow": timeout "forever" is not a duration.*Slow\.slow/);
  });

  it('rejects an invalid rateLimit, naming the job, the field and the value', async () => {
    @Injectable()
    class Mail {
      @Job('mail.send', { rateLimit: { limit: 0, per: '1m' } })
      async send() {}
    }
    const error = await bootApp(db, [Mail]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidJobOptionError);
    expect(error).toMatchObject({ job: 'mail.send', field: 'rateLimit.limit', value: 0 });
    expect(error.message).toMatch(/job "mail\.send": rateLimit\.limit 0 is not a positive integer.*Mail\.send/);

    const refused = (rateLimit: unknown) => {
      try {
        normalizeJobOptions('mail.send', { rateLimit } as JobOptions, { timeoutMs: 1000 });
        return null;
      } catch (e) {
        return { field: (e as InvalidJobOptionError).field, value: (e as InvalidJobOptionError).value };
      }
    };
    expect(refused(100)).toEqual({ field: 'rateLimit', value: 100 });
    expect(refused({ limit: 2.5, per: '1s' })).toEqual({ field: 'rateLimit.limit', value: 2.5 });
    expect(refused({ limit: 10 })).toEqual({ field: 'rateLimit.per', value: undefined });
    expect(refused({ limit: 10, per: 'soon' })).toEqual({ field: 'rateLimit.per', value: 'soon' });
    expect(refused({ limit: 10, per: 0 })).toEqual({ field: 'rateLimit.per', value: 0 });
    expect(refused({ limit: 10, per: '2d' })).toEqual({ field: 'rateLimit.per', value: '2d' });
    expect(refused({ limit: 10, per: '1s', burst: 5 })).toEqual({ field: 'rateLimit.burst', value: 5 });
    expect(
      normalizeJobOptions('mail.send', { rateLimit: { limit: 100, per: '1m' } }, { timeoutMs: 1000 }).rateLimit,
    ).toEqual({ limit: 100, perMs: 60_000 });
  });

  it('rejects a decorator on something that is not a method', async () => {
    @Injectable()
    class NotAMethod {
      handler = 42;
    }
    // What a JavaScript caller (or a cast) can do: decorate a property.
    (Job('numbers') as (target: object, key: string) => void)(NotAMethod.prototype, 'handler');
    const error = await bootApp(db, [NotAMethod]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidJobDeclarationError);
    expect(error.message).toMatch(/NotAMethod\.handler: @Job\("numbers"\) is on a (number|undefined), not a method/);
  });

  it('rejects an empty job name', async () => {
    @Injectable()
    class Nameless {
      @Job('')
      async run() {}
    }
    await expect(bootApp(db, [Nameless])).rejects.toThrow(/name "" is not a non-empty string.*Nameless\.run/);
  });

  it('rejects invalid module options, naming the option', async () => {
    await expect(bootApp(db, [], { worker: { concurrency: 0 } })).rejects.toThrow(InvalidSchedulerOptionError);
    await expect(bootApp(db, [], { timezone: 'Mars/Olympus' })).rejects.toThrow(
      'Invalid SchedulerModule option timezone "Mars/Olympus"',
    );
  });

  it('writes nothing when start-up is refused', async () => {
    @Injectable()
    class Bad {
      @ScheduledTask('never.stored', { cron: '61 * * * *' })
      async run() {}
    }
    await expect(bootApp(db, [Bad])).rejects.toThrow(InvalidScheduleError);
    const t = await bootApp(db, []);
    try {
      expect(await t.dataSource.getRepository(JobDefinition).countBy({ name: 'never.stored' })).toBe(0);
    } finally {
      await t.close();
    }
  });
});
