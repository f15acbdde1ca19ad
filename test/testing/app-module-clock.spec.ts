import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  InvalidSchedulerOptionError,
  Job,
  JobContext,
  KRONOS_CLOCK,
  ScheduledTask,
  SchedulerModule,
  SchedulerService,
  type Clock,
} from '../../lib/index.js';
import { drain, TestClock } from '../../lib/testing/index.js';
import { describeForDialects } from '../support/databases.js';
import { freshDatabase, type TestDatabase } from '../support/test-app.js';

const SATURDAY = '2026-03-28T12:00:00Z';
const iso = (ms: number | null | undefined) => (ms == null ? ms : new Date(ms).toISOString());

/** An application's jobs: a weekly report on Mondays at 08:00 UTC, and a queued job that fails when asked to. */
@Injectable()
class ReportJobs {
  @ScheduledTask('weekly-report', { every: 'monday', at: '08:00' })
  weekly(ctx: JobContext) {
    return { slot: iso(ctx.scheduledFor) };
  }

  @Job('send-mail', { retries: 1 })
  send(payload: { fail?: boolean }) {
    if (payload.fail) throw new Error('mail server down');
    return 'sent';
  }
}

/** The application's own AppModule, as it is in production: no clock, real TypeORM configuration. */
function appModule(db: TestDatabase, registration: 'forRoot' | 'forRootAsync'): DynamicModule {
  const scheduler =
    registration === 'forRoot'
      ? SchedulerModule.forRoot({ worker: { pollInterval: 60_000 } })
      : SchedulerModule.forRootAsync({ useFactory: () => ({ worker: { pollInterval: 60_000 } }) });
  @Module({
    imports: [TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: false }), scheduler],
    providers: [ReportJobs],
  })
  class AppModule {}
  return { module: AppModule };
}

/** The test's boot: the real AppModule with only the clock replaced. */
async function bootOnClock(
  db: TestDatabase,
  clock: unknown,
  registration: 'forRoot' | 'forRootAsync' = 'forRoot',
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [appModule(db, registration)] })
    .overrideProvider(KRONOS_CLOCK)
    .useValue(clock)
    .compile();
  return moduleRef.init();
}

describeForDialects(
  'an application AppModule on a test clock',
  (dialect) => {
    let app: TestingModule | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    for (const registration of ['forRoot', 'forRootAsync'] as const) {
      it(`runs a weekly job fast-forwarded through overrideProvider(KRONOS_CLOCK) (${registration})`, async () => {
        const clock = new TestClock(SATURDAY);
        app = await bootOnClock(await freshDatabase(dialect), clock, registration);
        expect(app.get<Clock>(KRONOS_CLOCK)).toBe(clock);
        expect((await drain(app)).count).toBe(0);

        clock.advance('7d');
        const report = await drain(app);

        expect(report.runs).toEqual([
          { taskId: expect.any(Number), job: 'weekly-report', status: 'COMPLETED', attempt: 1 },
        ]);
        const [run] = await app.get(SchedulerService).runs({ job: 'weekly-report' });
        expect(iso(run.scheduledFor)).toBe('2026-03-30T08:00:00.000Z');
      });
    }

    it('runs the slot on a second boot against the same database (definitions already stored)', async () => {
      const db = await freshDatabase(dialect);
      app = await bootOnClock(db, new TestClock(SATURDAY));
      const first = app.get<TestClock>(KRONOS_CLOCK);
      first.advance('14d');
      expect((await drain(app)).count).toBe(1); // the stored next slot is now 2026-04-13
      await app.close();

      const clock = new TestClock(SATURDAY);
      app = await bootOnClock(db, clock);
      clock.advance('7d');
      const report = await drain(app);

      expect(report.runs.map((r) => r.job)).toEqual(['weekly-report']);
      const [latest] = await app.get(SchedulerService).runs({ job: 'weekly-report' });
      expect(iso(latest.scheduledFor)).toBe('2026-03-30T08:00:00.000Z');
    });

    it('fires no catch-up on a boot whose clock is past the stored slot: the first slot follows the clock', async () => {
      const db = await freshDatabase(dialect);
      app = await bootOnClock(db, new TestClock(SATURDAY));
      await app.close();

      const clock = new TestClock('2026-06-03T12:00:00Z'); // a Wednesday, nine weeks on
      app = await bootOnClock(db, clock);
      expect((await drain(app)).count).toBe(0);
      clock.advance('5d');
      const report = await drain(app);

      expect(report.runs.map((r) => r.status)).toEqual(['COMPLETED']);
      const [run] = await app.get(SchedulerService).runs({ job: 'weekly-report' });
      expect(iso(run.scheduledFor)).toBe('2026-06-08T08:00:00.000Z');
    });

    it('still applies the misfire policy when the clock of a running application jumps past slots', async () => {
      const clock = new TestClock(SATURDAY);
      app = await bootOnClock(await freshDatabase(dialect), clock);
      clock.advance('30d');
      const report = await drain(app);

      expect(report.count).toBe(1); // run-once: one catch-up for the latest missed slot
      const [run] = await app.get(SchedulerService).runs({ job: 'weekly-report' });
      expect(iso(run.scheduledFor)).toBe('2026-04-27T08:00:00.000Z');
    });

    it('reports each attempt recorded since the previous drain: task id, job, status and attempt number', async () => {
      const clock = new TestClock(SATURDAY);
      app = await bootOnClock(await freshDatabase(dialect), clock);
      const scheduler = app.get(SchedulerService);
      // Due at once: the worker may start them before drain() does; they are reported either way.
      const ok = await scheduler.enqueue('send-mail', {});
      const failing = await scheduler.enqueue('send-mail', { fail: true });

      const first = await drain(app);
      clock.advance('1s'); // the retry back-off
      const second = await drain(app);

      expect(first.count).toBe(2);
      expect(first.runs).toEqual(
        expect.arrayContaining([
          { taskId: ok.id, job: 'send-mail', status: 'COMPLETED', attempt: 1 },
          { taskId: failing.id, job: 'send-mail', status: 'FAILED', attempt: 1 },
        ]),
      );
      expect(second).toEqual({
        count: 1,
        runs: [{ taskId: failing.id, job: 'send-mail', status: 'FAILED', attempt: 2 }],
      });
      expect(await drain(app)).toEqual({ count: 0, runs: [] });
    });
  },
  ['sqlite', 'postgres'],
);

// Start-up validation does not depend on the database: one dialect is enough here.
describe('a KRONOS_CLOCK override', () => {
  it('that is not a clock is refused at start-up, naming the option', async () => {
    const error = await bootOnClock(await freshDatabase('sqlite'), { now: 'noon' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSchedulerOptionError);
    expect((error as Error).message).toMatch(/option clock .*overrideProvider\(KRONOS_CLOCK\)/);
  });
});
