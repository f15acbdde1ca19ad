import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildDist,
  DIST_CLI,
  json,
  kronos,
  SAMPLE_APP,
  scratchDir,
  startKronos,
  type CliOptions,
} from './support/kronos-cli.js';

/** The published binary (`npm run build`) against the sample app, on its embedded SQLite file. */
describe('kronos on the sample app (npm run build)', () => {
  let options: CliOptions;
  const cli = (...args: string[]) => kronos([...args, '--app', SAMPLE_APP], options);

  beforeAll(() => buildDist(), 180_000);
  beforeEach(() => {
    options = { cli: DIST_CLI, env: { KRONOS_SAMPLE_DB: join(scratchDir('kronos-sample-'), 'sample.db') } };
  });

  it('is the package bin, an executable script', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.bin).toEqual({ kronos: './dist/lib/cli/main.js' });
    expect(readFileSync(DIST_CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('lists the jobs, runs them in the foreground as a user, and records every run', async () => {
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^reports\.nightly\s+scheduled\s+code\s+every day at 23:30 Europe\/Berlin\s+Europe\/Berlin\s+yes\s/m,
    );
    expect(list.stdout).toMatch(/^stats\.update-aggregate\s+queued\s+code\s+-/m);

    const demo = await cli('run', 'demo.activity'); // creates the demo users
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/COMPLETED in .* \(task \d+, run \d+, attempt 1\)\n$/);

    const stats = await cli('run', 'stats.update-aggregate', '--payload', '{"recordId":1}', '--as', '1');
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/record 1 approved by \w+\napproved=\d+ total=\d+\n/);
    expect(stats.stdout).toMatch(
      /COMPLETED in .*\nmessage: Aggregates updated\nresult: \{"count":\d+,"total":\d+\}\n$/,
    );

    const stranger = await cli('run', 'stats.update-aggregate', '--payload', '{"recordId":1}', '--as', '999');
    expect(stranger.code).toBe(1);
    expect(stranger.stdout).toContain(
      'message: Job "stats.update-aggregate" was queued to run as user "999", who no longer exists; it was not run.',
    );

    const runs = json<any[]>(await cli('runs', '--json'));
    expect(runs.map((r) => [r.jobName, r.status, r.runAs])).toEqual([
      ['stats.update-aggregate', 'FAILED', '999'],
      ['stats.update-aggregate', 'COMPLETED', '1'],
      ['demo.activity', 'COMPLETED', null],
    ]);
  });

  it('a dedicated worker runs the recurring jobs and stops cleanly on SIGTERM', async () => {
    const worker = startKronos(['worker', '--app', SAMPLE_APP], options);
    await worker.waitFor(/Worker \S+ started \(groups main, concurrency 4\)/);
    await worker.waitFor(/run #\d+ demo\.activity COMPLETED/, 20_000); // the sample logs its recent runs
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe(''); // logs go to stderr
    expect(exit.stderr).toMatch(/Worker \S+ stopped/);
  });
});
