import 'reflect-metadata';
import { Injectable, Module, Scope } from '@nestjs/common';
import { JobDefinition, Job, JobContext, Run, ScheduledTask, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CollectingLogger, CORE_DIALECTS, freshDatabase, type TestDatabase } from '../support/test-app.js';

@Injectable()
class BillingJobs {
  @ScheduledTask('billing.nightly', {
    every: 'sunday',
    at: '23:30',
    timezone: 'Europe/Berlin',
    description: 'Nightly invoices',
  })
  async nightly() {}

  @Job('billing.charge', { retries: 3, timeout: '2m', group: 'billing', priority: 5, description: 'Charge a card' })
  async charge(_payload: unknown, _ctx: JobContext) {}
}

@Module({ providers: [BillingJobs] })
class BillingModule {}

@Module({ imports: [BillingModule] })
class NestedFeatureModule {}

@Injectable()
class CleanupJobs {
  @ScheduledTask('cleanup.sessions', { every: '10 minutes', active: false })
  async sessions() {}
}

describeForDialects(
  'discovery and definition sync',
  (dialect) => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await freshDatabase(dialect);
    });

    const definitions = async (t: { dataSource: any }) =>
      new Map(((await t.dataSource.getRepository(JobDefinition).find()) as JobDefinition[]).map((d) => [d.name, d]));

    it('finds decorated methods on providers of nested modules and stores their definitions', async () => {
      const t = await bootApp(db, [CleanupJobs], {}, { imports: [NestedFeatureModule] });
      try {
        const defs = await definitions(t);
        expect([...defs.keys()].sort()).toEqual(['billing.charge', 'billing.nightly', 'cleanup.sessions']);
        expect(defs.get('billing.charge')).toMatchObject({
          kind: 'queued',
          retries: 3,
          timeoutMs: 120_000,
          group: 'billing',
          priority: 5,
          description: 'Charge a card',
          active: true,
          missing: false,
        });
        expect(defs.get('billing.nightly')).toMatchObject({
          kind: 'scheduled',
          timezone: 'Europe/Berlin',
          description: 'Nightly invoices',
        });
        expect(JSON.parse(defs.get('billing.nightly')!.schedule!)).toMatchObject({ every: 'sunday', at: '23:30' });
        expect(defs.get('cleanup.sessions')!.active).toBe(false);
        const jobs = await t.scheduler.listJobs();
        expect(jobs.find((j) => j.name === 'billing.nightly')!.scheduleDescription).toContain('Sunday at 23:30');
        expect(jobs.find((j) => j.name === 'billing.nightly')!.nextRunTime).toBeGreaterThan(Date.now());
      } finally {
        await t.close();
      }
    });

    it('keeps an admin toggle across restarts, whatever the code says', async () => {
      let t = await bootApp(db, [CleanupJobs], {}, { imports: [NestedFeatureModule] });
      await t.scheduler.deactivate('billing.charge');
      await t.scheduler.activate('cleanup.sessions');
      await t.close();
      t = await bootApp(db, [CleanupJobs], {}, { imports: [NestedFeatureModule] });
      try {
        const defs = await definitions(t);
        expect(defs.get('billing.charge')).toMatchObject({ active: false, activeSetBy: 'admin' });
        expect(defs.get('cleanup.sessions')).toMatchObject({ active: true, activeSetBy: 'admin' });
      } finally {
        await t.close();
      }
    });

    it('updates a changed schedule and flags definitions no longer in code as missing, without running them', async () => {
      let t = await bootApp(db, [CleanupJobs], {}, { imports: [NestedFeatureModule] });
      const queued = await t.scheduler.enqueue('billing.charge', { card: 1 }, { delay: '1h' });
      await t.close();

      @Injectable()
      class CleanupJobsV2 {
        @ScheduledTask('cleanup.sessions', { every: '5 minutes' })
        async sessions() {}
      }
      t = await bootApp(db, [CleanupJobsV2]);
      try {
        const defs = await definitions(t);
        expect(JSON.parse(defs.get('cleanup.sessions')!.schedule!)).toMatchObject({ every: '5 minutes' });
        expect(defs.get('billing.charge')!.missing).toBe(true);
        expect(defs.get('billing.nightly')!.missing).toBe(true);
        const task = await t.dataSource
          .getRepository(Task)
          .findOneByOrFail({ uuid: 'kronos:schedule:cleanup.sessions' });
        expect(JSON.parse(task.schedule!)).toMatchObject({ kind: 'interval', everyMs: 300_000 });
        // The task of a job missing from code stays queued and is never run.
        await t.dataSource.getRepository(Task).update(queued.id, { nextRunTime: 0 });
        await new Promise((r) => setTimeout(r, 200));
        expect((await t.scheduler.status(queued.id)).task.status).toBe('QUEUED');
        expect((await t.scheduler.listJobs()).find((j) => j.name === 'billing.charge')!.missing).toBe(true);
      } finally {
        await t.close();
      }
    });

    it('keeps one task row per recurring job however many processes start', async () => {
      const apps = await Promise.all([0, 1, 2].map(() => bootApp(db, [CleanupJobs], { worker: false })));
      try {
        expect(await apps[0].dataSource.getRepository(Task).countBy({ uuid: 'kronos:schedule:cleanup.sessions' })).toBe(
          1,
        );
      } finally {
        await Promise.all(apps.map((a) => a.close()));
      }
    });

    it("applies the code's active flag on restart while no admin has set it", async () => {
      @Injectable()
      class ReportJobsV1 {
        @ScheduledTask('reports.weekly', { every: 'monday', at: '08:00' })
        async weekly() {}
      }
      @Injectable()
      class ReportJobsV2 {
        @ScheduledTask('reports.weekly', { every: 'monday', at: '08:00', active: false })
        async weekly() {}
      }
      let t = await bootApp(db, [ReportJobsV1], { worker: false });
      await t.close();
      t = await bootApp(db, [ReportJobsV2], { worker: false });
      try {
        expect((await definitions(t)).get('reports.weekly')).toMatchObject({ active: false, activeSetBy: 'code' });
      } finally {
        await t.close();
      }
    });

    it('starts with 1,500 recurring jobs: one definition and one task row each, and a restart rewrites none', async () => {
      const count = 1_500;
      class ManyJobs {}
      for (let i = 0; i < count; i++) {
        const descriptor: PropertyDescriptor = { value: async () => {}, writable: true, configurable: true };
        Object.defineProperty(ManyJobs.prototype, `job${i}`, descriptor);
        ScheduledTask(`many.${i}`, { cron: `${i % 60} * * * *` })(ManyJobs.prototype, `job${i}`, descriptor);
      }
      Injectable()(ManyJobs);
      let t = await bootApp(db, [ManyJobs], { worker: false });
      const stored = await definitions(t);
      await t.close();
      expect(stored.size).toBe(count);
      t = await bootApp(db, [ManyJobs], { worker: false });
      try {
        const tasks = await t.dataSource.getRepository(Task).find();
        expect(tasks).toHaveLength(count);
        expect(new Set(tasks.map((task) => task.uuid)).size).toBe(count);
        expect(tasks.every((task) => task.status === 'QUEUED' && task.jobName.startsWith('many.'))).toBe(true);
        // Nothing of the definitions changed, so the restart did not write their rows.
        const again = await definitions(t);
        for (const [name, row] of stored) expect(again.get(name)!.lastSeen).toBe(row.lastSeen);
      } finally {
        await t.close();
      }
    });

    it('warns about request-scoped providers instead of registering their jobs', async () => {
      @Injectable({ scope: Scope.REQUEST })
      class PerRequestJobs {
        @Job('per-request.job')
        async run() {}
      }
      const logger = new CollectingLogger();
      const t = await bootApp(db, [PerRequestJobs], {}, { logger });
      try {
        expect(logger.messages('warn').join('\n')).toMatch(
          /PerRequestJobs is request-scoped.*per-request\.job.*a job has no request/,
        );
        await expect(t.scheduler.enqueue('per-request.job')).rejects.toThrow('Unknown job "per-request.job"');
      } finally {
        await t.close();
      }
    });

    it('lists every job with its kind, schedule in words, activity and last run', async () => {
      const t = await bootApp(db, [CleanupJobs], {}, { imports: [NestedFeatureModule] });
      try {
        const jobs = await t.scheduler.listJobs();
        expect(jobs.map((j) => [j.name, j.kind, j.active])).toEqual([
          ['billing.charge', 'queued', true],
          ['billing.nightly', 'scheduled', true],
          ['cleanup.sessions', 'scheduled', false],
        ]);
        expect(jobs[2].scheduleDescription).toBe('every 10 minutes');
      } finally {
        await t.close();
      }
    });

    it("lists each job's latest run and its recurring task's next slot in one query, whatever the number of jobs", async () => {
      const t = await bootApp(db, [CleanupJobs], { worker: false }, { imports: [NestedFeatureModule] });
      try {
        const runs = t.dataSource.getRepository(Run);
        await runs.save({
          taskId: 1,
          jobName: 'billing.charge',
          status: 'COMPLETED',
          startTime: 1_000,
          stopTime: 1_500,
        });
        await runs.save({ taskId: 1, jobName: 'billing.charge', status: 'FAILED', startTime: 2_000, stopTime: 2_500 });
        await runs.save({ taskId: 2, jobName: 'billing.nightly', status: 'LOST', startTime: 3_000, stopTime: null });
        const queries: string[] = [];
        const logger = t.dataSource.logger;
        // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the same logger below
        const logQuery = logger.logQuery;
        logger.logQuery = (query) => void queries.push(query);
        const jobs = await t.scheduler.listJobs().finally(() => (logger.logQuery = logQuery));
        expect(queries).toHaveLength(1);
        const byName = new Map(jobs.map((j) => [j.name, j]));
        expect(byName.get('billing.charge')).toMatchObject({
          lastRun: { status: 'FAILED', startTime: 2_000, stopTime: 2_500 },
          nextRunTime: null,
          nextRunStatus: null,
          source: 'code',
        });
        expect(byName.get('billing.nightly')).toMatchObject({
          lastRun: { status: 'LOST', startTime: 3_000, stopTime: null },
          nextRunStatus: 'QUEUED',
        });
        expect(byName.get('billing.nightly')!.nextRunTime).toBeGreaterThan(Date.now());
        expect(byName.get('cleanup.sessions')).toMatchObject({ lastRun: null, nextRunStatus: 'QUEUED' });
      } finally {
        await t.close();
      }
    });
  },
  CORE_DIALECTS,
);
