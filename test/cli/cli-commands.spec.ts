import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobDefinition, Run, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { freshDatabase, waitFor } from '../support/test-app.js';
import { buildCliFixtures, FIXTURE_APP, json, kronos, startKronos } from './support/kronos-cli.js';
import { FIXTURE_INI, useFixtureApp } from './support/fixture-app.js';

/** What `kronos` does against a real database, per dialect (the rest runs on SQLite in cli-usage.spec.ts). */
describeForDialects(
  'the kronos command on the fixture app',
  (dialect) => {
    const fx = useFixtureApp(dialect);
    beforeAll(() => buildCliFixtures(), 180_000);

    it('list: code jobs and scheduler.ini sections as a table and as JSON, bad sections on stderr', async () => {
      const [table, asJson] = await Promise.all([fx.cli('list'), fx.cli('list', '--json')]);
      expect(table.code).toBe(0);
      const lines = table.stdout.trim().split('\n');
      expect(lines[0]).toMatch(
        /^NAME\s+KIND\s+SOURCE\s+SCHEDULE\s+TIME ZONE\s+ACTIVE\s+NEXT RUN\s+LAST RUN\s+LAST STATUS$/,
      );
      expect(lines.find((l) => l.startsWith('report.globex'))).toMatch(
        /^report\.globex\s+scheduled\s+ini\s+every 2 hours\s+-\s+no\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+-\s+-$/,
      );
      expect(lines.find((l) => l.startsWith('cleanup.nightly'))).toMatch(
        /every day at 02:30 Europe\/Berlin\s+Europe\/Berlin\s+yes\s+\d{4}-\d\d-\d\d 0[01]:30:00/,
      );
      expect(lines.find((l) => l.startsWith('report.send'))).toMatch(
        /^report\.send\s+queued\s+code\s+-\s+-\s+yes\s+-\s+-\s+-$/,
      );
      expect(table.stderr).toContain(`${fx.ini}:23: [bad.call] call "does.not.exist" names no registered job`);
      expect(table.stderr).toContain(`${fx.ini}:28: [bad.schedule] every "5 lightyears" has an unknown unit`);
      expect(json<any[]>(asJson).map((j) => [j.name, j.source, j.kind, j.active])).toEqual([
        ['cleanup.hourly', 'code', 'scheduled', true],
        ['cleanup.nightly', 'ini', 'scheduled', true],
        ['report.acme', 'ini', 'scheduled', true],
        ['report.fail', 'code', 'queued', true],
        ['report.globex', 'ini', 'scheduled', false],
        ['report.send', 'code', 'queued', true],
        ['report.slow', 'code', 'queued', true],
        ['report.weekly', 'code', 'scheduled', true],
      ]);
    });

    it('run: streams progress and output in the foreground, records the run, exits 0 on COMPLETED', async () => {
      const result = await fx.cli('run', 'report.slow', '--payload', '{"steps":4,"step":250}');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^\[ 25%\] step 1 of 4\nline 1\n\[ 50%\] step 2 of 4\nline 2\n\[ 75%\] step 3 of 4\nline 3\n\[100%\] step 4 of 4\nline 4\nsummary: ok\nCOMPLETED in [\d.]+ s \(task \d+, run \d+, attempt 1\)\nmessage: all steps done\n$/,
      );
      expect(result.stderr).toMatch(/^kronos: running report\.slow as task \d+\n$/m);
      const runs = json<any[]>(await fx.cli('runs', '--json'));
      expect(runs).toMatchObject([
        {
          jobName: 'report.slow',
          status: 'COMPLETED',
          message: 'all steps done',
          output: 'line 1\nline 2\nline 3\nline 4\nsummary: ok',
        },
      ]);
    });

    it('worker: runs due work and exits 0 on SIGTERM once drained; it is listed while it lives', async () => {
      const worker = startKronos(['worker', '--concurrency', '2', '--app', FIXTURE_APP], fx.options);
      await worker.waitFor(/kronos: worker \S+ running \(groups main, concurrency 2\)/);
      expect(json<any[]>(await fx.cli('workers', '--json'))).toMatchObject([
        { groups: ['main'], status: 'ACTIVE', running: 0 },
      ]);
      // The recurring section falls due: the worker runs its handler with its keyword arguments.
      await fx.inspect((ds) =>
        ds.getRepository(Task).update({ uuid: 'kronos:schedule:report.acme' }, { nextRunTime: Date.now() - 1000 }),
      );
      await waitFor(() => fx.calls().length > 0, 15_000, 'the worker to run report.acme');
      expect(fx.calls()).toEqual(['report.send report.acme {"to":"acme@example.com","format":"pdf","copies":2} -']);
      worker.child.kill('SIGTERM');
      const exit = await worker.exited;
      expect(exit.code).toBe(0);
      expect(exit.stderr).toMatch(/kronos: stopping worker \S+/);
      expect(await fx.inspect((ds) => ds.getRepository(Run).findBy({ jobName: 'report.acme' }))).toMatchObject([
        { status: 'COMPLETED' },
      ]);
      expect(json<any[]>(await fx.cli('workers', '--json'))).toEqual([]);
    });

    it('prune deletes old runs and finished tasks in batches, never recurring or unfinished tasks', async () => {
      const old = Date.now() - 40 * 86_400_000;
      await fx.inspect(async (ds) => {
        const tasks = ds.getRepository(Task);
        for (const [i, status] of (['COMPLETED', 'COMPLETED', 'FAILED', 'QUEUED', 'RUNNING'] as const).entries()) {
          const task = await tasks.save(
            tasks.create({
              uuid: `old-${i}`,
              jobName: 'report.send',
              status,
              group: 'main',
              nextRunTime: old,
              createdAt: old,
              updatedAt: old,
            }),
          );
          const runStatus = status === 'FAILED' ? 'FAILED' : 'COMPLETED';
          await ds
            .getRepository(Run)
            .save({ taskId: task.id, jobName: 'report.send', status: runStatus, startTime: old, stopTime: old + 5 });
        }
        await ds
          .getRepository(Run)
          .save({ taskId: 1, jobName: 'report.send', status: 'COMPLETED', startTime: Date.now() }); // recent: kept
        await tasks.createQueryBuilder().update().set({ updatedAt: old }).execute(); // recurring rows look old too
      });
      const dry = json(await fx.cli('prune', '--older-than', '30d', '--dry-run', '--json'));
      expect(dry).toMatchObject({ dryRun: true, runs: 5, tasks: 3 });
      const failed = await fx.cli('prune', '--older-than', '30d', '--status', 'FAILED', '--batch-size', '1');
      expect(failed.stdout).toMatch(
        /^Deleted 1 run\(s\) and 1 finished task\(s\) older than \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\n$/,
      );
      expect(json(await fx.cli('prune', '--older-than', '30d', '--batch-size', '2', '--json'))).toMatchObject({
        runs: 4,
        tasks: 2,
      });
      const left = await fx.inspect(async (ds) => ({
        runs: (await ds.getRepository(Run).find()).map((r) => r.status),
        tasks: (await ds.getRepository(Task).find({ order: { uuid: 'ASC' } })).map((t) => `${t.uuid} ${t.status}`),
      }));
      expect(left.runs).toEqual(['COMPLETED']);
      expect(left.tasks).toEqual([
        ...['cleanup.hourly', 'cleanup.nightly', 'report.acme', 'report.globex', 'report.weekly'].map(
          (name) => `kronos:schedule:${name} QUEUED`,
        ),
        'old-3 QUEUED',
        'old-4 RUNNING',
      ]);
    });

    it('export-ini then import-ini changes nothing, admin toggles and reschedules included', async () => {
      expect((await fx.cli('deactivate', 'cleanup.hourly')).code).toBe(0);
      const exported = join(fx.dir, 'export.ini');
      expect((await fx.cli('export-ini', '-o', exported)).code).toBe(0);
      const text = readFileSync(exported, 'utf8');
      expect(text).toContain('[cleanup.hourly]\ncall = cleanup.hourly\nevery = 1 hour\nactive = no\n');
      expect(text).toContain(
        '[report.acme]\ncall = report.send\nevery = 1 hour\nactive = yes\nto = acme@example.com\nformat = pdf\ncopies = 2\n',
      );
      expect(text).toContain(
        '[report.weekly]\ncall = report.weekly\nat = 08:00\nweekdays = 1,3,5\ntimezone = Europe/Berlin\nactive = yes\nretries = 2\nformat = pdf\ncopies = 2\n',
      );
      // Every start records when it last saw each job; everything else must stay as it was.
      const definitions = () =>
        fx.inspect(async (ds) =>
          (await ds.getRepository(JobDefinition).find({ order: { name: 'ASC' } })).map(
            ({ lastSeen: _, ...row }) => row,
          ),
        );
      const before = await definitions();
      const imported = await fx.cli('import-ini', exported);
      expect(imported.code).toBe(0);
      expect(imported.stdout).toBe('0 change(s) applied, 5 section(s) unchanged, 0 problem(s).\n');
      expect(await definitions()).toEqual(before);
    });
  },
  ['sqlite', 'postgres'],
);

/** Behaviour that does not depend on the database, on SQLite. */
describe('the kronos command on the fixture app [sqlite]', () => {
  const fx = useFixtureApp('sqlite');
  beforeAll(() => buildCliFixtures(), 180_000);

  it('run: a scheduler.ini section runs its handler with its keyword arguments; --as runs as a user', async () => {
    const [acme, custom] = await Promise.all([
      fx.cli('run', 'report.acme'),
      fx.cli('run', 'report.send', '--payload', '{"to":"ops@example.com"}', '--as', '42', '--json'),
    ]);
    expect(acme.code).toBe(0);
    expect(acme.stdout).toContain('sending pdf report to acme@example.com\nCOMPLETED');
    expect(acme.stdout).toContain('result: {"to":"acme@example.com","format":"pdf"}');
    expect(custom.code).toBe(1); // the fixture has no impersonation: a run as a user fails, it never runs anonymously
    expect(json(custom)).toMatchObject({
      task: { status: 'FAILED', runAs: '42', payload: '{"to":"ops@example.com"}' },
      latestRun: { status: 'FAILED' },
    });
    expect(fx.calls()).toEqual(['report.send report.acme {"to":"acme@example.com","format":"pdf","copies":2} -']);
  });

  it('run: exits 1 when the job still fails after its retries, with the error on stderr', async () => {
    const result = await fx.cli('run', 'report.fail');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED in .* attempt 2\)\nmessage: broken on attempt 2\n$/);
    expect(result.stderr).toContain('kronos: attempt 2');
    expect(result.stderr).toContain('Error: broken on attempt 2');
    expect(fx.calls()).toEqual(['report.fail attempt 1', 'report.fail attempt 2']);
    const [failed, one] = await Promise.all([
      fx.cli('runs', '--failed', '--json'),
      fx.cli('runs', '--job', 'report.fail', '--limit', '1'),
    ]);
    expect(json<any[]>(failed).map((r) => [r.jobName, r.status, r.attempt])).toEqual([
      ['report.fail', 'FAILED', 2],
      ['report.fail', 'FAILED', 1],
    ]);
    expect(one.stdout).toMatch(
      /^RUN\s+TASK\s+JOB\s+STATUS\s+STARTED\s+DURATION\s+ATTEMPT\s+RUN AS\s+MESSAGE\n\d+\s+\d+\s+report\.fail\s+FAILED\s+.*\s2\s+-\s+broken on attempt 2\n$/,
    );
  });

  it('errors are one line with a non-zero exit code', async () => {
    const [unknown, inactive, usage, badJson, badTask, hugeTask, notAnId] = await Promise.all([
      fx.cliAlone('run', 'no.such.job'),
      fx.cliAlone('run', 'report.globex'),
      fx.cliAlone('run'),
      fx.cliAlone('run', 'report.send', '--payload', '{nope'),
      fx.cliAlone('status', '999999'),
      fx.cliAlone('status', String(2 ** 40)),
      fx.cliAlone('status', '1e3'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n').pop()).toBe(
      'kronos run: Unknown job "no.such.job": no @Job or @ScheduledTask with this name is registered.',
    );
    expect(inactive.code).toBe(1);
    expect(inactive.stderr).toContain(
      'kronos run: Job "report.globex" is deactivated; activate it before running it.\n',
    );
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain(
      'kronos run: run takes one job name\nUsage: kronos run NAME [--payload JSON] [--as USER_ID]\n',
    );
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('kronos run: --payload is not JSON');
    expect(badTask.code).toBe(1);
    expect(badTask.stderr).toContain('kronos status: Task 999999 does not exist.\n');
    expect(hugeTask.code).toBe(1); // past the id column's range: the same error on every database, no SQL error
    expect(hugeTask.stderr).toContain(
      'kronos status: Task 1099511627776 does not exist: task ids run from 1 to 2147483647.\n',
    );
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain('kronos status: 1e3 is not a task id\n');
  });

  it('activate / deactivate are kept and shown by list; status shows a task and an overview', async () => {
    const [off, on] = await Promise.all([fx.cli('deactivate', 'report.acme'), fx.cli('activate', 'report.globex')]);
    expect(off.stdout).toBe('report.acme deactivated\n');
    expect(on.stdout).toBe('report.globex activated\n');
    const id = json(await fx.cli('run', 'report.slow', '--payload', '{"steps":1,"step":10}', '--json')).task
      .id as number;
    const [jobs, one, overview] = await Promise.all([
      fx.cli('list', '--json'),
      fx.cli('status', String(id)),
      fx.cli('status', '--json'),
    ]);
    expect(
      json<any[]>(jobs)
        .filter((j) => j.source === 'ini')
        .map((j) => [j.name, j.active]),
    ).toEqual([
      ['cleanup.nightly', true],
      ['report.acme', false],
      ['report.globex', true],
    ]);
    expect(one.stdout).toMatch(new RegExp(`^task: +${id} \\(.+\\)\\njob: +report\\.slow\\nstatus: +COMPLETED\\n`));
    expect(one.stdout).toMatch(/\nlatest run \d+: COMPLETED at .* in \d+ ms on .+\nmessage: +all steps done\n/);
    expect(one.stdout).toContain('output:\n  line 1\n  summary: ok\n');
    expect(json(overview)).toEqual({
      tasks: { COMPLETED: 1, QUEUED: 5 },
      jobs: { total: 8, active: 7, inactive: 1, missing: 0 },
      workers: { total: 0, active: 0, running: 0 },
    });
  });

  it('status counts tasks per status up to 10,000, as the dashboard does, and shows 10,000+ beyond', async () => {
    await fx.inspect(async (ds) => {
      const tasks = ds.getRepository(Task);
      const now = Date.now();
      const rows = Array.from({ length: 10_001 }, (_, i) =>
        tasks.create({
          uuid: `done-${i}`,
          jobName: 'report.send',
          status: 'COMPLETED',
          group: 'main',
          nextRunTime: now,
          createdAt: now,
          updatedAt: now,
        }),
      );
      for (let i = 0; i < rows.length; i += 500) await tasks.insert(rows.slice(i, i + 500));
      await tasks.insert(
        tasks.create({
          uuid: 'failed-1',
          jobName: 'report.send',
          status: 'FAILED',
          group: 'main',
          nextRunTime: now,
          createdAt: now,
          updatedAt: now,
        }),
      );
    });
    const [text, asJson] = await Promise.all([fx.cli('status'), fx.cli('status', '--json')]);
    expect(text.stdout).toMatch(/\n {2}QUEUED +5\n {2}COMPLETED +10,000\+\n {2}FAILED +1\n?$/);
    expect(json(asJson)).toMatchObject({
      tasks: { QUEUED: 5, COMPLETED: 10_000, FAILED: 1 },
      tasksCapped: { at: 10_000, statuses: ['COMPLETED'] },
    });
  });

  it('workers terminate ends a dedicated worker process with exit code 0', async () => {
    const worker = startKronos(['worker', '--groups', 'main,reports', '--app', FIXTURE_APP], fx.options);
    await worker.waitFor(/running \(groups main, reports/);
    const told = await fx.cli('workers', 'terminate', '--groups', 'reports');
    expect(told.stdout).toMatch(/^1 worker\(s\) told to finish their running tasks and exit: \S+\n$/);
    expect((await worker.exited).code).toBe(0);
    expect((await fx.cli('workers', 'disable', '--groups', 'reports')).stdout).toBe('No worker matched.\n');
  });

  it('discover reports what the sync added, changed and flagged missing, and the sections left out (exit 1)', async () => {
    const first = await fx.cli('discover', '--json');
    expect(first.code).toBe(1);
    expect(json(first)).toMatchObject({
      registered: 8,
      added: expect.arrayContaining(['report.acme', 'report.send', 'cleanup.nightly']),
      changed: [],
      missing: [],
      iniProblems: [
        { file: fx.ini, section: 'bad.call', line: 23, message: expect.stringContaining('names no registered job') },
        { file: fx.ini, section: 'bad.schedule', line: 28, message: expect.stringContaining('unknown unit') },
      ],
    });
    writeFileSync(
      fx.ini,
      FIXTURE_INI.replace('copies = 2', 'copies = 3')
        .replace(/\[report\.globex\][^[]*/, '')
        .replace(/\[bad\.call\][^]*$/, ''),
    );
    const second = await fx.cli('discover');
    expect(second).toMatchObject({
      code: 0,
      stdout: '7 job(s) registered\nadded: none\nchanged: report.acme\nmissing: report.globex\n',
    });
    expect(json<any[]>(await fx.cli('list', '--json')).find((j) => j.name === 'report.globex')).toMatchObject({
      missing: true,
      active: false,
    });
  });

  it('import-ini applies toggles and schedules, reports bad sections with file, section and line; --dry-run changes nothing', async () => {
    const file = join(fx.dir, 'admin.ini');
    writeFileSync(
      file,
      [
        '[report.acme]',
        'active = no',
        'every = 30 minutes',
        '',
        '[report.weekly]',
        'cron = 0 9 * * 1',
        '',
        '[report.nobody]',
        'call = report.send',
        'every = 1 hour',
        '',
        '[cleanup.hourly]',
        'every = 1 fortnight',
        '',
      ].join('\n'),
    );
    const dry = await fx.cli('import-ini', file, '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.stdout.split('\n')).toEqual([
      'would reschedule report.acme: every hour -> every 30 minutes',
      'would deactivate report.acme',
      expect.stringMatching(/^would reschedule report\.weekly: .*08:00.*Europe\/Berlin -> .*UTC$/),
      '3 change(s) to apply, 0 section(s) unchanged, 2 problem(s).',
      '',
    ]);
    expect(dry.stderr).toContain(
      `kronos: ${file}:8: [report.nobody] "report.nobody" is not a job of this application: add the section to the configFile ${fx.ini}`,
    );
    expect(dry.stderr).toContain(`kronos: ${file}:13: [cleanup.hourly] every "1 fortnight" has an unknown unit`);
    expect(json<any[]>(await fx.cli('list', '--json')).find((j) => j.name === 'report.acme')).toMatchObject({
      active: true,
      scheduleDescription: 'every hour',
    });
    const applied = await fx.cli('import-ini', file);
    expect(applied.code).toBe(1);
    expect(applied.stdout).toContain('3 change(s) applied, 0 section(s) unchanged, 2 problem(s).');
    const [jobs, again, exported] = await Promise.all([
      fx.cli('list', '--json'),
      fx.cli('import-ini', file, '--json'),
      fx.cli('export-ini', '--source', 'ini'),
    ]);
    expect(json<any[]>(jobs).find((j) => j.name === 'report.acme')).toMatchObject({
      active: false,
      scheduleDescription: 'every 30 minutes',
    });
    expect(json<any[]>(jobs).find((j) => j.name === 'report.weekly')).toMatchObject({
      schedule: { expression: '0 9 * * 1', timezone: 'UTC' },
    });
    expect(json(again)).toMatchObject({ dryRun: false, actions: [], unchanged: ['report.acme', 'report.weekly'] });
    expect(exported.stdout.match(/^\[.*\]$/gm)).toEqual(['[cleanup.nightly]', '[report.acme]', '[report.globex]']);
    expect(exported.stdout).toContain('[report.acme]\ncall = report.send\nevery = 30 minutes\nactive = no\n');
    const missing = await fx.cli('import-ini', join(fx.dir, 'nope.ini'));
    expect(missing.stderr).toContain(`Cannot read the scheduler.ini file "${join(fx.dir, 'nope.ini')}"`);
  });
});

describe('the kronos command: usage', () => {
  beforeAll(() => buildCliFixtures(), 180_000);

  it('--help lists every command, each command has its own help, and mistakes exit 2 with one line', async () => {
    const [help, run, none, unknown, option] = await Promise.all([
      kronos(['--help']),
      kronos(['run', '--help']),
      kronos([]),
      kronos(['frobnicate']),
      kronos(['list', '--bogus']),
    ]);
    expect(help.code).toBe(0);
    for (const name of [
      'worker',
      'list',
      'discover',
      'activate',
      'deactivate',
      'run',
      'status',
      'runs',
      'workers',
      'prune',
      'export-ini',
      'import-ini',
      'export-supervisord',
      'export-systemd',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(run.stdout).toMatch(/^Usage: kronos run NAME \[--payload JSON\] \[--as USER_ID\]\n/);
    expect(none.code).toBe(2);
    expect(unknown).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'kronos: unknown command "frobnicate". Run kronos --help for the list.\n',
    });
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^kronos list: Unknown option '--bogus'/);
  });

  it('finds the application through --app, KRONOS_APP, kronos.config.js or package.json, and says when it cannot', async () => {
    const { fixtureEnv, scratchDir } = await import('./support/kronos-cli.js');
    const db = await freshDatabase('sqlite');
    const env = fixtureEnv(db.options);
    const [file, name] = FIXTURE_APP.split('#') as [string, string];
    // Each command gets its own SQLite file: many processes starting at once on one file wait on its lock.
    const own = async (extra: Record<string, string | undefined> = {}) => ({
      ...fixtureEnv((await freshDatabase('sqlite')).options),
      ...extra,
    });
    const none = scratchDir('kronos-cwd-');
    const withPackage = scratchDir('kronos-cwd-');
    writeFileSync(join(withPackage, 'package.json'), JSON.stringify({ name: 'app', kronos: { app: file } })); // its only export
    const withConfig = scratchDir('kronos-cwd-');
    writeFileSync(
      join(withConfig, 'kronos.config.js'),
      `import { CliAppModule } from ${JSON.stringify(file)};\nexport default { app: CliAppModule };\n`,
    );
    writeFileSync(join(withConfig, 'package.json'), JSON.stringify({ type: 'module' }));
    const envFile = join(none, 'app.env');
    writeFileSync(envFile, `KRONOS_FIXTURE_DB='${env.KRONOS_FIXTURE_DB}'\n`);
    const [missing, fromEnv, fromPackage, fromConfig, wrongExport, notBuilt, fromEnvFile, badEnvFile] =
      await Promise.all([
        kronos(['list'], { cwd: none, env }),
        kronos(['list', '--json'], { cwd: none, env: await own({ KRONOS_APP: FIXTURE_APP }) }),
        kronos(['list', '--json'], { cwd: withPackage, env: await own() }),
        kronos(['list', '--json'], { cwd: withConfig, env: await own() }),
        kronos(['list', '--app', `${file}#Nope`], { env }),
        kronos(['list', '--app', 'dist/nowhere.js'], { env }),
        kronos(['list', '--json', '--env', envFile, '--app', FIXTURE_APP], { env: { KRONOS_FIXTURE_DB: undefined } }),
        kronos(['list', '--env', join(none, 'nope.env'), '--app', FIXTURE_APP], { env }),
      ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('kronos list: No application to boot: pass --app');
    for (const found of [fromEnv, fromPackage, fromConfig, fromEnvFile])
      expect(json<any[]>(found).map((j) => j.name)).toContain('report.send');
    expect(wrongExport.code).toBe(1);
    expect(wrongExport.stderr).toContain(`has no exported module class "Nope" (exported classes: ${name})`);
    expect(notBuilt.stderr).toContain('does not exist. Build the application first.');
    expect(badEnvFile.stderr).toContain(`kronos list: cannot load --env ${join(none, 'nope.env')}`);
  });
});
