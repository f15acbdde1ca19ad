import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { JobDefinition, KRONOS_ENTITIES, Run, Task, Worker } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { freshDatabase, waitFor, type TestDatabase } from '../support/test-app.js';
import { buildCliFixtures, FIXTURE_APP, fixtureEnv, json, kronos, scratchDir, startKronos, type CliOptions } from './support/kronos-cli.js';

export const FIXTURE_INI = `; one handler, scheduled for two customers
[report.acme]
call = report.send
every = 1 hour
to = acme@example.com
format = pdf
copies = 2

[report.globex]
callback = report.send
frequency = 2 hours
to = globex@example.com
active = no

[cleanup.nightly]
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

describeForDialects('the kronos command on the fixture app', (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let ini: string;
  let log: string;
  let options: CliOptions;
  const cli = (...args: string[]) => kronos([...args, '--app', FIXTURE_APP], options);
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

  /** A DataSource on the same database, to look at (and age) rows directly. */
  async function inspect<T>(work: (ds: DataSource) => Promise<T>): Promise<T> {
    const ds = new DataSource({ ...(db.options as DataSourceOptions), entities: KRONOS_ENTITIES } as DataSourceOptions);
    await ds.initialize();
    try {
      return await work(ds);
    } finally {
      await ds.destroy();
    }
  }

  beforeAll(() => buildCliFixtures(), 180_000);
  beforeEach(async () => {
    db = await freshDatabase(dialect);
    dir = scratchDir('kronos-cli-');
    ini = join(dir, 'scheduler.ini');
    log = join(dir, 'calls.log');
    writeFileSync(ini, FIXTURE_INI);
    options = { env: fixtureEnv(db.options, { KRONOS_INI: ini, KRONOS_FIXTURE_LOG: log }) };
  });

  it('list: code jobs and scheduler.ini sections, as a table and as JSON; bad sections on stderr', async () => {
    const table = await cli('list');
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+SOURCE\s+SCHEDULE\s+TIME ZONE\s+ACTIVE\s+NEXT RUN\s+LAST RUN\s+LAST STATUS$/);
    expect(lines.find((l) => l.startsWith('report.globex'))).toMatch(/^report\.globex\s+scheduled\s+ini\s+every 2 hours\s+-\s+no\s/);
    expect(lines.find((l) => l.startsWith('cleanup.nightly'))).toMatch(/every day at 02:30 Europe\/Berlin\s+Europe\/Berlin\s+yes\s+\d{4}-\d\d-\d\d 0[01]:30:00/);
    expect(lines.find((l) => l.startsWith('report.send'))).toMatch(/^report\.send\s+queued\s+code\s+-\s+-\s+yes\s+-\s+-\s+-$/);
    expect(table.stderr).toContain(`${ini}:23: [bad.call] call "does.not.exist" names no registered job`);
    expect(table.stderr).toContain(`${ini}:27: [bad.schedule] every "5 lightyears" has an unknown unit`);

    const jobs = json<any[]>(await cli('list', '--json'));
    expect(jobs.map((j) => [j.name, j.source, j.kind, j.active])).toEqual([
      ['cleanup.hourly', 'code', 'scheduled', true],
      ['cleanup.nightly', 'ini', 'scheduled', true],
      ['report.acme', 'ini', 'scheduled', true],
      ['report.fail', 'code', 'queued', true],
      ['report.globex', 'ini', 'scheduled', false],
      ['report.send', 'code', 'queued', true],
      ['report.slow', 'code', 'queued', true],
      ['report.weekly', 'code', 'scheduled', true],
    ]);
    expect(jobs.find((j) => j.name === 'report.acme')).toMatchObject({ scheduleDescription: 'every 1 hour', nextRunStatus: 'QUEUED', lastRun: null });
  });

  it('run: streams progress and output, records the run, exits 0 on COMPLETED', async () => {
    const result = await cli('run', 'report.slow', '--payload', '{"steps":4,"step":250}');
    expect(result.code).toBe(0);
    const out = result.stdout;
    for (const line of ['[ 25%] step 1 of 4', 'line 1', '[ 50%] step 2 of 4', 'line 2', '[100%] step 4 of 4', 'line 4', 'summary: ok']) expect(out).toContain(line);
    expect(out.indexOf('line 1')).toBeLessThan(out.indexOf('line 2'));
    expect(out).toMatch(/COMPLETED in [\d.]+ s \(task (\d+), run (\d+), attempt 1\)\nmessage: all steps done\n/);
    expect(result.stderr).toMatch(/kronos: running report\.slow as task \d+/);
    const runs = json<any[]>(await cli('runs', '--json'));
    expect(runs).toMatchObject([{ jobName: 'report.slow', status: 'COMPLETED', message: 'all steps done', output: 'line 1\nline 2\nline 3\nline 4\nsummary: ok' }]);
  });

  it('run: a scheduler.ini section runs its handler with its keyword arguments; --payload and --as override', async () => {
    const acme = await cli('run', 'report.acme');
    expect(acme.code).toBe(0);
    expect(acme.stdout).toContain('sending pdf report to acme@example.com');
    expect(acme.stdout).toContain('result: {"to":"acme@example.com","format":"pdf"}');
    const custom = await cli('run', 'report.send', '--payload', '{"to":"ops@example.com"}', '--as', '42', '--json');
    expect(custom.code).toBe(1); // no impersonation configured: a run as a user fails, never anonymously
    expect(json(custom)).toMatchObject({ task: { status: 'FAILED', runAs: '42' }, latestRun: { status: 'FAILED' } });
    expect(calls()).toEqual(['report.send report.acme {"to":"acme@example.com","format":"pdf","copies":2} -']);
  });

  it('run: exits 1 when the job fails after its retries, printing the error', async () => {
    const result = await cli('run', 'report.fail');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED in .* attempt 2\)\nmessage: broken on attempt 2/);
    expect(result.stderr).toContain('Error: broken on attempt 2');
    expect(calls()).toEqual(['report.fail attempt 1', 'report.fail attempt 2']);
    const failed = json<any[]>(await cli('runs', '--failed', '--json'));
    expect(failed.map((r) => [r.jobName, r.status, r.attempt])).toEqual([
      ['report.fail', 'FAILED', 2],
      ['report.fail', 'FAILED', 1],
    ]);
  });

  it('errors are one line with a non-zero exit code', async () => {
    const unknown = await cli('run', 'no.such.job');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n').pop()).toBe('kronos run: Unknown job "no.such.job": no @Job or @ScheduledTask with this name is registered.');
    const inactive = await cli('run', 'report.globex');
    expect(inactive.code).toBe(1);
    expect(inactive.stderr).toContain('kronos run: Job "report.globex" is deactivated; activate it before running it.');
    const usage = await cli('run');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('kronos run: run takes one job name\nUsage: kronos run NAME [--payload JSON] [--as USER_ID]');
    const badJson = await cli('run', 'report.send', '--payload', '{nope');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--payload is not JSON');
    const badStatus = await cli('status', '999999');
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toContain('kronos status: Task 999999 does not exist.');
  });

  it('activate / deactivate are kept and shown by list', async () => {
    expect((await cli('deactivate', 'report.acme')).stdout).toBe('report.acme deactivated\n');
    expect((await cli('activate', 'report.globex')).stdout).toBe('report.globex activated\n');
    const jobs = json<any[]>(await cli('list', '--json'));
    expect(jobs.filter((j) => j.source === 'ini').map((j) => [j.name, j.active])).toEqual([
      ['cleanup.nightly', true],
      ['report.acme', false],
      ['report.globex', true],
    ]);
    expect((await cli('activate', 'nope')).stderr).toContain('Unknown job "nope"');
  });

  it('status: one task with its latest run, and an overview', async () => {
    const ran = await cli('run', 'report.slow', '--payload', '{"steps":1,"step":10}', '--json');
    const id = json(ran).task.id as number;
    const one = await cli('status', String(id));
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^task: +${id} \\(.+\\)\\njob: +report\\.slow\\nstatus: +COMPLETED\\n`));
    expect(one.stdout).toMatch(/latest run \d+: COMPLETED at .* in \d+ ms on .+\nmessage: +all steps done/);
    expect(one.stdout).toContain('output:\n  line 1\n  summary: ok');
    const overview = json(await cli('status', '--json'));
    expect(overview).toMatchObject({ tasks: { COMPLETED: 1, QUEUED: 5 }, jobs: { total: 8, active: 7, inactive: 1, missing: 0 }, workers: { total: 0 } });
  });

  it('worker: runs queued work, appears in workers, and exits 0 on SIGTERM after draining', async () => {
    const worker = startKronos(['worker', '--concurrency', '2', '--app', FIXTURE_APP], options);
    await worker.waitFor(/kronos: worker (\S+) running \(groups main, concurrency 2\)/);
    const workers = json<any[]>(await cli('workers', '--json'));
    expect(workers).toMatchObject([{ groups: ['main'], status: 'ACTIVE', running: 0 }]);
    // Make a recurring section due now: the worker runs it with its keyword arguments.
    await inspect((ds) => ds.getRepository(Task).update({ uuid: 'kronos:schedule:report.acme' }, { nextRunTime: Date.now() - 1000 }));
    await waitFor(() => calls().length > 0, 10_000, 'the worker to run report.acme');
    expect(calls()).toEqual(['report.send report.acme {"to":"acme@example.com","format":"pdf","copies":2} -']);
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain('stopping worker');
    expect(json<any[]>(await cli('workers', '--json'))).toEqual([]);
  });

  it('workers terminate ends a dedicated worker process with exit code 0', async () => {
    const worker = startKronos(['worker', '--groups', 'main,reports', '--app', FIXTURE_APP], options);
    await worker.waitFor(/running \(groups main, reports/);
    const told = await cli('workers', 'terminate', '--groups', 'reports');
    expect(told.stdout).toMatch(/^1 worker\(s\) told to finish their running tasks and exit: \S+\n$/);
    expect((await worker.exited).code).toBe(0);
    const none = await cli('workers', 'disable', '--groups', 'reports');
    expect(none.stdout).toBe('No worker matched.\n');
  });

  it('discover reports what the sync added, changed and flagged missing, and the bad sections (exit 1)', async () => {
    const first = await cli('discover', '--json');
    expect(first.code).toBe(1);
    expect(json(first)).toMatchObject({
      registered: 8,
      added: expect.arrayContaining(['report.acme', 'report.send', 'cleanup.nightly']),
      changed: [],
      missing: [],
      iniProblems: [expect.objectContaining({ file: ini, section: 'bad.call', line: 23 }), expect.objectContaining({ section: 'bad.schedule', line: 27 })],
    });
    writeFileSync(ini, FIXTURE_INI.replace('copies = 2', 'copies = 3').replace(/\[report\.globex\][^[]*/, '').replace(/\[bad\.call\][^]*$/, ''));
    const second = await cli('discover');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('7 job(s) registered\nadded: none\nchanged: report.acme\nmissing: report.globex\n');
    expect(json<any[]>(await cli('list', '--json')).find((j) => j.name === 'report.globex')).toMatchObject({ missing: true });
  });

  it('prune deletes old runs and finished tasks in batches, never recurring or unfinished tasks', async () => {
    for (let i = 0; i < 3; i++) expect((await cli('run', 'report.send', '--payload', `{"to":"n${i}"}`)).code).toBe(0);
    expect((await cli('run', 'report.fail')).code).toBe(1);
    const old = Date.now() - 40 * 86_400_000;
    await inspect(async (ds) => {
      await ds.getRepository(Run).createQueryBuilder().update().set({ startTime: old }).execute();
      await ds.getRepository(Task).createQueryBuilder().update().set({ updatedAt: old }).execute(); // recurring and queued rows too
    });
    const dry = await cli('prune', '--older-than', '30d', '--dry-run', '--json');
    expect(json(dry)).toMatchObject({ dryRun: true, runs: 5, tasks: 4 });
    const onlyFailed = await cli('prune', '--older-than', '30d', '--status', 'FAILED', '--batch-size', '1');
    expect(onlyFailed.stdout).toMatch(/^Deleted 2 run\(s\) and 1 finished task\(s\) older than /);
    const rest = await cli('prune', '--older-than', '30d', '--batch-size', '2', '--json');
    expect(json(rest)).toMatchObject({ runs: 3, tasks: 3 });
    const left = await inspect(async (ds) => ({
      runs: await ds.getRepository(Run).count(),
      tasks: (await ds.getRepository(Task).find()).map((t) => [t.uuid, t.status]).sort(),
    }));
    expect(left.runs).toBe(0);
    expect(left.tasks).toEqual(
      ['cleanup.hourly', 'cleanup.nightly', 'report.acme', 'report.globex', 'report.weekly'].map((name) => [`kronos:schedule:${name}`, 'QUEUED']),
    );
    const bad = await cli('prune', '--older-than', 'soon');
    expect(bad.code).toBe(2);
    expect((await cli('prune', '--older-than', '1d', '--status', 'RUNNING')).stderr).toContain('prune deletes only COMPLETED');
  });

  it('export-ini then import-ini changes nothing, admin toggles and reschedules included', async () => {
    expect((await cli('deactivate', 'cleanup.hourly')).code).toBe(0);
    const exported = join(dir, 'export.ini');
    expect((await cli('export-ini', '-o', exported)).code).toBe(0);
    const text = readFileSync(exported, 'utf8');
    expect(text).toContain('[cleanup.hourly]\ncall = cleanup.hourly\nevery = 1 hour\nactive = no\n');
    expect(text).toContain('[report.acme]\ncall = report.send\nevery = 1 hour\nactive = yes\nto = acme@example.com\nformat = pdf\ncopies = 2\n');
    expect(text).toContain('[report.weekly]\ncall = report.weekly\nat = 08:00\nweekdays = 1,3,5\ntimezone = Europe/Berlin\nactive = yes\nretries = 2\nformat = pdf\ncopies = 2\n');
    // Every start records when it last saw each job; everything else must stay as it was.
    const definitions = () => inspect(async (ds) => (await ds.getRepository(JobDefinition).find({ order: { name: 'ASC' } })).map(({ lastSeen: _, ...row }) => row));
    const before = await definitions();
    const imported = await cli('import-ini', exported);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe('0 change(s) applied, 5 section(s) unchanged, 0 problem(s).\n');
    expect(await definitions()).toEqual(before);
    expect((await cli('export-ini')).stdout.replace(/ on \S+\./, '')).toBe(text.replace(/ on \S+\./, ''));
    const iniOnly = (await cli('export-ini', '--source', 'ini')).stdout;
    expect(iniOnly.match(/^\[.*\]$/gm)).toEqual(['[cleanup.nightly]', '[report.acme]', '[report.globex]']);
  });

  it('import-ini applies toggles and schedules, reports bad sections with file, section and line, and --dry-run changes nothing', async () => {
    const file = join(dir, 'admin.ini');
    writeFileSync(file, ['[report.acme]', 'active = no', 'every = 30 minutes', '', '[report.weekly]', 'cron = 0 9 * * 1', '', '[report.nobody]', 'call = report.send', 'every = 1 hour', '', '[cleanup.hourly]', 'every = 1 fortnight', ''].join('\n'));
    const dry = await cli('import-ini', file, '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.stdout.split('\n')).toEqual([
      'would reschedule report.acme: every hour -> every 30 minutes',
      'would deactivate report.acme',
      expect.stringMatching(/^would reschedule report\.weekly: .*08:00.*Europe\/Berlin -> .*UTC$/),
      '3 change(s) to apply, 0 section(s) unchanged, 2 problem(s).',
      '',
    ]);
    expect(dry.stderr).toContain(`kronos: ${file}:8: [report.nobody] "report.nobody" is not a job of this application: add the section to the configFile ${ini}`);
    expect(dry.stderr).toContain(`kronos: ${file}:13: [cleanup.hourly] every "1 fortnight" has an unknown unit`);
    expect(json<any[]>(await cli('list', '--json')).find((j) => j.name === 'report.acme')).toMatchObject({ active: true, scheduleDescription: 'every 1 hour' });
    const applied = await cli('import-ini', file);
    expect(applied.code).toBe(1);
    expect(applied.stdout).toContain('3 change(s) applied');
    const jobs = json<any[]>(await cli('list', '--json'));
    expect(jobs.find((j) => j.name === 'report.acme')).toMatchObject({ active: false, scheduleDescription: 'every 30 minutes' });
    expect(jobs.find((j) => j.name === 'report.weekly')).toMatchObject({ schedule: { expression: '0 9 * * 1', timezone: 'UTC' } });
    expect((await cli('import-ini', join(dir, 'nope.ini'))).stderr).toContain(`Cannot read the scheduler.ini file "${join(dir, 'nope.ini')}"`);
  });
}, ['sqlite', 'postgres']);

describe('the kronos command: usage', () => {
  beforeAll(() => buildCliFixtures(), 180_000);

  it('--help lists every command; each command has its own help', async () => {
    const help = await kronos(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['worker', 'list', 'discover', 'activate', 'deactivate', 'run', 'status', 'runs', 'workers', 'prune', 'export-ini', 'import-ini', 'export-supervisord', 'export-systemd']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    const run = await kronos(['run', '--help']);
    expect(run.stdout).toMatch(/^Usage: kronos run NAME \[--payload JSON\] \[--as USER_ID\]\n/);
    expect((await kronos([])).code).toBe(2);
  });

  it('unknown commands and options exit 2 with one line', async () => {
    const unknown = await kronos(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe('kronos: unknown command "frobnicate". Run kronos --help for the list.\n');
    const option = await kronos(['list', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^kronos list: Unknown option '--bogus'/);
  });

  it('finds the application through --app, KRONOS_APP, kronos.config.js or package.json, and says when it cannot', async () => {
    const db = await freshDatabase('sqlite');
    const env = fixtureEnv(db.options);
    const [file, name] = FIXTURE_APP.split('#') as [string, string];
    const none = scratchDir('kronos-cwd-');
    const missing = await kronos(['list'], { cwd: none, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No application to boot: pass --app');
    expect((await kronos(['list', '--json'], { cwd: none, env: { ...env, KRONOS_APP: FIXTURE_APP } })).code).toBe(0);

    const withPackage = scratchDir('kronos-cwd-');
    writeFileSync(join(withPackage, 'package.json'), JSON.stringify({ name: 'app', kronos: { app: `${file}#${name}` } }));
    expect(json<any[]>(await kronos(['list', '--json'], { cwd: withPackage, env })).length).toBe(5);

    const withConfig = scratchDir('kronos-cwd-');
    writeFileSync(join(withConfig, 'kronos.config.js'), `import { CliAppModule } from ${JSON.stringify(file)};\nexport default { app: CliAppModule };\n`);
    writeFileSync(join(withConfig, 'package.json'), JSON.stringify({ type: 'module' }));
    expect((await kronos(['list', '--json'], { cwd: withConfig, env })).code).toBe(0);

    const wrongExport = await kronos(['list', '--app', `${file}#Nope`], { env });
    expect(wrongExport.code).toBe(1);
    expect(wrongExport.stderr).toContain(`has no exported module class "Nope" (exported classes: ${name})`);
    const notBuilt = await kronos(['list', '--app', 'dist/nowhere.js'], { env });
    expect(notBuilt.stderr).toContain('does not exist. Build the application first.');
  });

  it('--env loads settings before the application starts', async () => {
    const db = await freshDatabase('sqlite');
    const envFile = join(scratchDir('kronos-env-'), 'tenant.env');
    writeFileSync(envFile, `KRONOS_FIXTURE_DB='${fixtureEnv(db.options).KRONOS_FIXTURE_DB}'\n`);
    const result = await kronos(['list', '--json', '--env', envFile, '--app', FIXTURE_APP], { env: { KRONOS_FIXTURE_DB: undefined } });
    expect(result.code).toBe(0);
    expect(json<any[]>(result).map((j) => j.name)).toContain('report.send');
    expect((await kronos(['list', '--env', join(envFile, 'nope'), '--app', FIXTURE_APP])).stderr).toContain('cannot load --env');
  });

  it('the worker of a non-worker command is off, whatever the environment says', async () => {
    const db = await freshDatabase('sqlite');
    const result = await kronos(['status', '--json', '--app', FIXTURE_APP], { env: fixtureEnv(db.options, { KRONOS_WORKER: 'on' }) });
    expect(json(result)).toMatchObject({ workers: { total: 0 } });
    const ds = new DataSource({ ...(db.options as DataSourceOptions), entities: KRONOS_ENTITIES } as DataSourceOptions);
    await ds.initialize();
    expect(await ds.getRepository(Worker).count()).toBe(0);
    await ds.destroy();
  });
});
