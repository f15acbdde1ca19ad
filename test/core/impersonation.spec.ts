import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import {
  InvalidEnqueueOptionError,
  Job,
  JobContext,
  ScheduledTask,
  SchedulerContext,
  type UserResolver,
} from '../../lib/index.js';
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

interface User {
  id: string;
  name: string;
}
const USERS = new Map<string, User>([
  ['7', { id: '7', name: 'ada' }],
  ['8', { id: '8', name: 'grace' }],
  ['9', { id: '9', name: 'deleted-later' }],
]);

/** A service deep in the call chain that knows nothing of the job, only the current context. */
@Injectable()
class AuditService {
  whoAmI(): string {
    const ctx = SchedulerContext.current<unknown, User>();
    return ctx?.user?.name ?? 'nobody';
  }
}

@Injectable()
class ReportJobs {
  constructor(private readonly audit: AuditService) {}

  @Job('report.for-user')
  async forUser(payload: { expect: string }, ctx: JobContext<{ expect: string }, User>) {
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 30));
    const inService = this.audit.whoAmI();
    await new Promise((r) => setTimeout(r, Math.random() * 20));
    return { ctxUser: ctx.user?.name, inService, expected: payload.expect, userId: ctx.userId };
  }

  @Job('report.retrying', { retries: 3 })
  async retrying(_: unknown, ctx: JobContext) {
    return ctx.user;
  }

  @ScheduledTask('report.as-admin', { interval: 100, runAs: '7' })
  async asAdmin(ctx: JobContext<unknown, User>) {
    return { user: ctx.user?.name };
  }

  @ScheduledTask('report.anonymous', { interval: 100 })
  async anonymous(ctx: JobContext) {
    return { user: ctx.user, current: SchedulerContext.current()?.jobName };
  }
}

@Injectable()
class UsersResolver implements UserResolver<User> {
  async resolveUser(id: string) {
    return USERS.get(id) ?? null;
  }
}

describeForDialects(
  'impersonation',
  (dialect) => {
    let db: TestDatabase;
    let t: TestApp;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      t = await bootApp(db, [AuditService, ReportJobs, UsersResolver], {
        impersonation: { resolver: UsersResolver },
        worker: { concurrency: 10, pollInterval: 25 },
      });
    });
    afterAll(() => t?.close());

    it('runs each task as its own user, even with many users running concurrently', async () => {
      const queued = await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const user = i % 2 ? USERS.get('7')! : USERS.get('8')!;
          return t.scheduler.enqueue('report.for-user', { expect: user.name }, { runAs: Number(user.id) });
        }),
      );
      for (const { id } of queued) {
        const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
        const result = JSON.parse(latestRun!.result!);
        expect(result.ctxUser).toBe(result.expected);
        expect(result.inService).toBe(result.expected);
        expect(latestRun!.runAs).toBe(result.userId);
      }
    });

    it('fails the run with a clear message when the user no longer exists, without retrying or running anonymously', async () => {
      const { id } = await t.scheduler.enqueue('report.retrying', {}, { runAs: 'ghost-42' });
      const { task, latestRun } = await waitForTask(t.scheduler, id, ['FAILED']);
      expect(latestRun!.message).toBe(
        'Job "report.retrying" was queued to run as user "ghost-42", who no longer exists; it was not run.',
      );
      expect(task.timesRun).toBe(1);
      expect(await t.scheduler.runs({ taskId: id })).toHaveLength(1);
    });

    it('runs recurring tasks with no user unless their spec names one', async () => {
      const asAdmin = await waitFor(
        async () => (await t.scheduler.runs({ job: 'report.as-admin', status: 'COMPLETED' }))[0],
      );
      expect(JSON.parse(asAdmin.result!)).toEqual({ user: 'ada' });
      expect(asAdmin.runAs).toBe('7');
      const anonymous = await waitFor(
        async () => (await t.scheduler.runs({ job: 'report.anonymous', status: 'COMPLETED' }))[0],
      );
      expect(JSON.parse(anonymous.result!)).toEqual({ user: null, current: 'report.anonymous' });
      expect(anonymous.runAs).toBeNull();
    });

    it('has no current context outside a run', () => {
      expect(SchedulerContext.current()).toBeUndefined();
    });
  },
  CORE_DIALECTS,
);

describe('impersonation without a resolver', () => {
  it('fails a task queued with runAs instead of running it anonymously', async () => {
    const t = await bootApp(await freshDatabase('sqlite'), [AuditService, ReportJobs], { impersonation: undefined });
    try {
      const { id } = await t.scheduler.enqueue('report.for-user', { expect: 'x' }, { runAs: 7 });
      const { latestRun } = await waitForTask(t.scheduler, id, ['FAILED']);
      expect(latestRun!.message).toContain('no impersonation resolver is configured');
    } finally {
      await t.close();
    }
  });

  it('hands the resolver the id as a string, however runAs was given', async () => {
    const received: unknown[] = [];
    const resolveUser = (id: string) => {
      received.push(id);
      return USERS.get(id);
    };
    const t = await bootApp(await freshDatabase('sqlite'), [AuditService, ReportJobs], {
      impersonation: { resolveUser },
    });
    try {
      for (const runAs of [8, '8']) {
        const { id } = await t.scheduler.enqueue('report.for-user', { expect: 'grace' }, { runAs });
        const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
        expect(JSON.parse(latestRun!.result!)).toMatchObject({ ctxUser: 'grace', userId: '8' });
        expect(latestRun!.runAs).toBe('8');
      }
      expect(received.filter((id) => id === '8')).toHaveLength(2); // (and '7' for the recurring report.as-admin)
      expect(received.filter((id) => typeof id !== 'string')).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('refuses a runAs number that is not a safe integer, in enqueue and in @ScheduledTask', async () => {
    const db = await freshDatabase('sqlite');
    const t = await bootApp(db, [AuditService, ReportJobs], { impersonation: { resolveUser: (id) => USERS.get(id) } });
    try {
      await expect(t.scheduler.enqueue('report.for-user', {}, { runAs: 2 ** 64 })).rejects.toThrow(
        InvalidEnqueueOptionError,
      );
    } finally {
      await t.close();
    }
    @Injectable()
    class FractionalUser {
      @ScheduledTask('report.fractional', { every: '1 hour', runAs: 1.5 })
      async run() {}
    }
    await expect(bootApp(db, [FractionalUser])).rejects.toThrow(
      'Invalid option for job "report.fractional": runAs 1.5 is not a user id: a number id must be a safe integer (pass larger or other ids as strings).',
    );
  });

  it('accepts a resolveUser function', async () => {
    const t = await bootApp(await freshDatabase('sqlite'), [AuditService, ReportJobs], {
      impersonation: { resolveUser: (id) => USERS.get(id) },
    });
    try {
      const { id } = await t.scheduler.enqueue('report.for-user', { expect: 'grace' }, { runAs: '8' });
      const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED']);
      expect(JSON.parse(latestRun!.result!).ctxUser).toBe('grace');
    } finally {
      await t.close();
    }
  });
});
