import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportIni } from '../../lib/config/ini-export.js';
import { applyIniImport, planIniImport } from '../../lib/config/ini-import.js';
import { readIni } from '../../lib/config/ini-reader.js';
import { Job, JobContext, JobDefinition, ScheduledTask, SchedulerIniFileError, Task } from '../../lib/index.js';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import { drain, TestClock } from '../../lib/testing/index.js';
import { scratchDir } from '../cli/support/kronos-cli.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CollectingLogger, freshDatabase, type TestApp, type TestDatabase } from '../support/test-app.js';

const calls: { job: string; payload: unknown; user: string | null }[] = [];

@Injectable()
class ReportJobs {
  @Job('report.send', { timeout: '10s', retries: 1 })
  async send(payload: unknown, ctx: JobContext) {
    calls.push({ job: ctx.jobName, payload, user: ctx.userId });
  }

  @ScheduledTask('cleanup.hourly', { every: '1 hour', payload: { deep: false } })
  async cleanup(ctx: JobContext) {
    calls.push({ job: ctx.jobName, payload: ctx.payload, user: ctx.userId });
  }
}

@Injectable()
class LimitedJobs {
  @ScheduledTask('sync.limited', {
    every: '1 hour',
    concurrency: 1,
    rateLimit: { limit: 5, per: '10s' },
    deadLetter: 'report.send',
    sensitive: ['token'],
  })
  async sync() {}
}

const INI = `; two customers, one handler
[report.acme]
call = report.send
every = 1 hour
to = acme@example.com
copies = 2

[report.globex]
callback = report.send
frequency = 1 hour
to = globex@example.com
run_as = 7

[cleanup.deep]
call = cleanup.hourly
every = day
at = 02:30
timezone = Europe/Berlin
deep = true

[bad.call]
call = does.not.exist
every = 1 hour

[bad.schedule]
call = report.send
every = 5 lightyears
`;

describeForDialects(
  'configFile: scheduler.ini sections as recurring jobs',
  (dialect) => {
    let db: TestDatabase;
    let file: string;
    let t: TestApp | undefined;
    let logger: CollectingLogger;
    const clock = new TestClock('2026-03-02T10:15:00Z');

    const start = async (ini = INI) => {
      writeFileSync(file, ini);
      logger = new CollectingLogger();
      const impersonation = { resolveUser: (id: string) => ({ id }) };
      t = await bootApp(
        db,
        [ReportJobs],
        { configFile: file, clock, impersonation, worker: { pollInterval: 60_000 } },
        { logger },
      );
      return t;
    };
    const stop = async () => {
      await t?.close();
      t = undefined;
    };
    const rows = async () =>
      new Map((await t!.dataSource.getRepository(JobDefinition).find()).map((row) => [row.name, row]));
    const runtime = () => t!.app.get(KronosRuntime, { strict: false });

    beforeEach(async () => {
      db = await freshDatabase(dialect);
      file = join(scratchDir('kronos-ini-'), 'scheduler.ini');
      calls.length = 0;
      clock.set('2026-03-02T10:15:00Z');
    });
    afterEach(stop);

    it('schedules each section under its label, running the called handler with its keyword arguments', async () => {
      await start();
      const defs = await rows();
      expect(defs.get('report.acme')).toMatchObject({
        kind: 'scheduled',
        source: 'ini',
        kwargs: '{"to":"acme@example.com","copies":2}',
        active: true,
        timeoutMs: 10_000,
        retries: 1,
      });
      expect(defs.get('cleanup.deep')).toMatchObject({ source: 'ini', timezone: 'Europe/Berlin' });
      expect(defs.get('report.send')).toMatchObject({ source: 'code' });
      expect(defs.has('bad.call')).toBe(false);

      clock.advance('1h');
      await drain(t!.app);
      expect(calls.sort((a, b) => a.job.localeCompare(b.job))).toEqual([
        { job: 'cleanup.hourly', payload: { deep: false }, user: null },
        { job: 'report.acme', payload: { to: 'acme@example.com', copies: 2 }, user: null },
        { job: 'report.globex', payload: { to: 'globex@example.com' }, user: '7' },
      ]);
      clock.set('2026-03-03T01:30:00Z'); // 02:30 in Berlin
      calls.length = 0;
      await drain(t!.app);
      expect(calls.find((c) => c.job === 'cleanup.deep')).toEqual({
        job: 'cleanup.deep',
        payload: { deep: true },
        user: null,
      });
      const runs = await t!.scheduler.runs({ job: 'report.acme' });
      expect(runs.map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);
    });

    it('reports bad sections with file, section and line and loads the others', async () => {
      await start();
      const warnings = logger.messages('warn');
      expect(warnings).toEqual(
        expect.arrayContaining([
          `scheduler.ini section left out: ${file}:22: [bad.call] call "does.not.exist" names no registered job (registered: cleanup.hourly, report.send)`,
          expect.stringContaining(`${file}:27: [bad.schedule] every "5 lightyears" has an unknown unit`),
        ]),
      );
      expect([...(await rows()).keys()].sort()).toEqual([
        'cleanup.deep',
        'cleanup.hourly',
        'report.acme',
        'report.globex',
        'report.send',
      ]);
    });

    it('follows edits of the file: new arguments reach the task, a removed section is flagged missing, admin toggles stay', async () => {
      await start();
      await t!.scheduler.deactivate('report.acme');
      await stop();
      await start(INI.replace('copies = 2', 'copies = 3').replace(/\[report\.globex\][^[]*/, ''));
      const defs = await rows();
      expect(defs.get('report.globex')).toMatchObject({ missing: true });
      expect(defs.get('report.acme')).toMatchObject({ active: false, kwargs: '{"to":"acme@example.com","copies":3}' });
      const task = await t!.dataSource.getRepository(Task).findOneByOrFail({ uuid: 'kronos:schedule:report.acme' });
      expect(JSON.parse(task.payload!)).toEqual({ to: 'acme@example.com', copies: 3 });
      clock.advance('1h');
      await drain(t!.app);
      expect(calls.map((c) => c.job).sort()).toEqual(['cleanup.hourly']); // acme deactivated, globex gone
    });

    it('a process without the configFile leaves the stored sections alone', async () => {
      await start();
      await stop();
      t = await bootApp(db, [ReportJobs], { clock, worker: false });
      expect((await rows()).get('report.acme')).toMatchObject({ missing: false, source: 'ini' });
    });

    it('export then import changes nothing, admin toggles and schedules included', async () => {
      await start();
      await t!.scheduler.deactivate('report.globex');
      await t!.scheduler.reschedule('cleanup.hourly', { cron: '15 * * * *' });
      const input = () => ({ registry: runtime().registry, defaultTimeoutMs: runtime().options.defaultTimeoutMs });
      const definitions = [...(await rows()).values()];
      const text = exportIni({ definitions, ...input() });
      expect(text).toContain(
        '[report.globex]\ncall = report.send\nevery = 1 hour\nactive = no\nrun_as = 7\nto = globex@example.com\n',
      );
      expect(text).toContain(
        '[cleanup.hourly]\ncall = cleanup.hourly\ncron = 15 * * * *\nactive = yes\ndeep = false\n',
      );
      expect(text).not.toContain('[report.send]'); // a queued job has no schedule
      const plan = planIniImport(readIni(text, 'export.ini'), {
        ...input(),
        definitions,
        timezone: 'UTC',
        configFile: file,
      });
      expect(plan).toEqual({
        actions: [],
        notes: [],
        problems: [],
        unchanged: ['cleanup.deep', 'cleanup.hourly', 'report.acme', 'report.globex'],
      });
    });

    it('concurrency, rate_limit, dead_letter and sensitive: a section is claimed under them, and export then import changes nothing', async () => {
      writeFileSync(
        file,
        [
          '[report.limited]',
          'call = report.send',
          'every = 1 hour',
          'concurrency = 2',
          'rate_limit = 100 per 1 minute',
          'dead_letter = cleanup.hourly',
          'sensitive = password, card.number',
          'to = ops@example.com',
        ].join('\n'),
      );
      t = await bootApp(db, [ReportJobs, LimitedJobs], { configFile: file, clock, worker: false });
      const registry = runtime().registry;
      expect(registry.get('report.limited')).toMatchObject({
        maxRunning: 2,
        rateLimit: { limit: 100, perMs: 60_000 },
        deadLetter: 'cleanup.hourly',
        sensitive: ['password', 'card.number'],
      });
      expect(registry.claimPlan().limited).toEqual(
        expect.arrayContaining([
          { name: 'report.limited', maxRunning: 2, rate: { limit: 100, perMs: 60_000 } },
          { name: 'sync.limited', maxRunning: 1, rate: { limit: 5, perMs: 10_000 } },
        ]),
      );

      const definitions = [...(await rows()).values()];
      const input = { registry, defaultTimeoutMs: runtime().options.defaultTimeoutMs };
      const text = exportIni({ definitions, ...input });
      expect(text).toContain(
        '[report.limited]\ncall = report.send\nevery = 1 hour\nactive = yes\nconcurrency = 2\nrate_limit = 100/1m\ndead_letter = cleanup.hourly\nsensitive = password, card.number\nto = ops@example.com\n',
      );
      // A job declared in code gives its own (the module's defaults are left out).
      expect(text).toContain(
        '[sync.limited]\ncall = sync.limited\nevery = 1 hour\nactive = yes\nconcurrency = 1\nrate_limit = 5/10s\ndead_letter = report.send\nsensitive = token\n',
      );
      const context = { ...input, definitions, timezone: 'UTC', configFile: file };
      expect(planIniImport(readIni(text, 'export.ini'), context)).toEqual({
        actions: [],
        notes: [],
        problems: [],
        unchanged: ['cleanup.hourly', 'report.limited', 'sync.limited'],
      });

      // They belong to the code and the configFile: an import notes a difference and applies nothing.
      const other = planIniImport(
        readIni(
          '[sync.limited]\nconcurrency = 3\nrate_limit = 5 per 10 seconds\ndead_letter = cleanup.hourly\nsensitive = token, secret\n',
          'admin.ini',
        ),
        context,
      );
      expect(other.actions).toEqual([]);
      expect(other.notes.map((n) => `${n.line} ${n.message}`)).toEqual([
        expect.stringMatching(/^2 concurrency 3 differs from the code \(.*\) \(1\): not applied; change it there$/),
        expect.stringMatching(/^4 dead_letter "cleanup\.hourly" differs from the code \(.*\) \("report\.send"\)/),
        expect.stringMatching(/^5 sensitive "token, secret" differs from the code \(.*\) \(token\)/),
      ]);
    });

    it('import applies toggles and schedules as an admin would, and reports what it cannot apply', async () => {
      await start();
      const context = async () => ({
        registry: runtime().registry,
        definitions: [...(await rows()).values()],
        timezone: 'UTC',
        configFile: file,
      });
      const doc = readIni(
        [
          '[report.acme]',
          'active = no',
          'every = 2 hours',
          'copies = 9',
          '',
          '[cleanup.hourly]',
          'cron = 0 * * * *',
          '',
          '[report.unknown]',
          'call = report.send',
          'every = 1 hour',
          '',
          '[report.globex]',
          'call = cleanup.hourly',
        ].join('\n'),
        'admin.ini',
      );
      const plan = planIniImport(doc, await context());
      expect(plan.actions.map((a) => [a.kind, a.job, a.line])).toEqual([
        ['reschedule', 'report.acme', 3],
        ['deactivate', 'report.acme', 2],
        ['reschedule', 'cleanup.hourly', 7],
      ]);
      expect(plan.notes.map((n) => `${n.line} ${n.message}`)).toEqual([
        expect.stringMatching(/^4 keyword arguments \{"copies":9\} differ from the configFile \(.*scheduler\.ini:2\)/),
      ]);
      expect(plan.problems.map((p) => `${p.file}:${p.line}: [${p.section}] ${p.message}`)).toEqual([
        expect.stringContaining(
          'admin.ini:9: [report.unknown] "report.unknown" is not a job of this application: add the section to the configFile',
        ),
        expect.stringContaining('admin.ini:14: [report.globex] call "cleanup.hourly" differs from the configFile'),
      ]);
      await applyIniImport(plan, t!.scheduler);
      const jobs = new Map((await t!.scheduler.listJobs()).map((j) => [j.name, j]));
      expect(jobs.get('report.acme')).toMatchObject({ active: false, scheduleDescription: 'every 2 hours' });
      expect(jobs.get('cleanup.hourly')?.schedule).toMatchObject({ kind: 'cron', expression: '0 * * * *' });
      expect(planIniImport(doc, await context()).actions).toEqual([]);

      // Giving the code's own schedule back resets the admin's.
      const reset = planIniImport(readIni('[cleanup.hourly]\nevery = 1 hour\n', 'reset.ini'), await context());
      expect(reset.actions).toMatchObject([{ kind: 'reset-schedule', job: 'cleanup.hourly' }]);
      await applyIniImport(reset, t!.scheduler);
      expect((await rows()).get('cleanup.hourly')).toMatchObject({ scheduleSetBy: 'code' });
    });
  },
  ['sqlite', 'postgres'],
);

describe('configFile that cannot be read', () => {
  it('fails start-up with an error naming the file', async () => {
    const missing = join(scratchDir('kronos-ini-'), 'missing.ini');
    const failed = bootApp(await freshDatabase('sqlite'), [ReportJobs], { configFile: missing, worker: false });
    await expect(failed).rejects.toThrow(SchedulerIniFileError);
    await expect(failed).rejects.toThrow(`Cannot read the scheduler.ini file "${missing}"`);
  });
});
