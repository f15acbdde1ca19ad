import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIni } from '../../lib/config/ini-reader.js';
import { buildCliFixtures, FIXTURE_CLI, kronos, scratchDir } from './support/kronos-cli.js';

/** `key=value` lines of a systemd unit, per `[Section]`. */
function unitSections(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) sections[header[1]] = current = {};
    else {
      const at = line.indexOf('=');
      current![line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return sections;
}

const OPTIONS = [
  '--name',
  'kronos-acme',
  '--user',
  'kronos',
  '--directory',
  '/srv/app',
  '--env',
  '/etc/kronos/acme.env',
  '--log-dir',
  '/var/log/kronos',
  '--groups',
  'reports',
  '--concurrency',
  '4',
  '--app',
  'dist/app.module.js#AppModule',
];

describe('service files for kronos worker', () => {
  beforeAll(() => buildCliFixtures(), 180_000);

  it('export-systemd: a unit with everything systemd needs to run, restart and log the worker', async () => {
    const result = await kronos(['export-systemd', ...OPTIONS]);
    expect(result.code).toBe(0);
    const unit = unitSections(result.stdout);
    expect(unit.Unit).toEqual({
      Description: 'Kronos worker (kronos-acme)',
      After: 'network-online.target',
      Wants: 'network-online.target',
    });
    expect(unit.Service).toEqual({
      Type: 'simple',
      User: 'kronos',
      WorkingDirectory: '/srv/app',
      EnvironmentFile: '/etc/kronos/acme.env',
      Environment: 'NODE_ENV=production',
      ExecStart: `${process.execPath} --max-semi-space-size=4 ${FIXTURE_CLI} worker --app dist/app.module.js#AppModule --groups reports --concurrency 4`,
      Restart: 'on-failure',
      RestartSec: '5',
      KillSignal: 'SIGTERM',
      KillMode: 'mixed',
      TimeoutStopSec: '60',
      LogsDirectory: 'kronos',
      StandardOutput: 'append:/var/log/kronos/kronos-acme.log',
      StandardError: 'append:/var/log/kronos/kronos-acme.error.log',
    });
    expect(unit.Install).toEqual({ WantedBy: 'multi-user.target' });
    // The command it starts is this very binary, with its Node.js flags: it runs.
    const [node, flag, main] = unit.Service.ExecStart.split(' ') as [string, string, string];
    expect(execFileSync(node, [flag, main, 'worker', '--help'], { encoding: 'utf8' })).toMatch(/^Usage: kronos worker/);
  });

  it('systemd-analyze verify accepts the unit (where systemd is installed)', async () => {
    const unit = join(scratchDir('kronos-service-'), 'kronos-acme.service');
    const result = await kronos([
      'export-systemd',
      '--name',
      'kronos-acme',
      '--user',
      'root',
      '--directory',
      process.cwd(),
      '-o',
      unit,
    ]);
    expect(result.code).toBe(0);
    let analyze: string;
    try {
      analyze = execFileSync('which', ['systemd-analyze'], { encoding: 'utf8' }).trim();
    } catch {
      return; // no systemd on this machine: the field checks above still hold
    }
    expect(
      execFileSync(analyze, ['verify', '--man=no', unit], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    ).toBe('');
  });

  it('export-supervisord: a program supervisord reads, loading the environment file through a shell', async () => {
    const result = await kronos(['export-supervisord', ...OPTIONS, '--processes', '2', '--stop-timeout', '30']);
    expect(result.code).toBe(0);
    const doc = readIni(result.stdout, 'supervisord.conf');
    expect(doc.problems).toEqual([]);
    expect(doc.sections.map((s) => s.name)).toEqual(['program:kronos-acme']);
    const program = Object.fromEntries(doc.sections[0].entries.map((e) => [e.key, e.value]));
    expect(program).toEqual({
      command: `/bin/sh -c 'set -a && . /etc/kronos/acme.env && set +a && exec ${process.execPath} --max-semi-space-size=4 ${FIXTURE_CLI} worker --app dist/app.module.js#AppModule --groups reports --concurrency 4'`,
      process_name: '%(program_name)s_%(process_num)02d',
      numprocs: '2',
      directory: '/srv/app',
      user: 'kronos',
      environment: 'NODE_ENV="production"',
      autostart: 'true',
      autorestart: 'unexpected',
      exitcodes: '0',
      startsecs: '5',
      startretries: '10',
      stopsignal: 'TERM',
      stopwaitsecs: '30',
      stopasgroup: 'true',
      killasgroup: 'true',
      stdout_logfile: '/var/log/kronos/%(program_name)s_%(process_num)02d.log',
      stderr_logfile: '/var/log/kronos/%(program_name)s_%(process_num)02d.error.log',
    });
  });

  it('defaults, -o and bad options', async () => {
    const dir = scratchDir('kronos-service-');
    const file = join(dir, 'kronos-worker.conf');
    const [written, plain, always, bad] = await Promise.all([
      kronos(['export-supervisord', '-o', file], { cwd: dir }),
      kronos(['export-systemd'], { cwd: dir }),
      kronos(['export-systemd', '--restart', 'always']),
      kronos(['export-systemd', '--restart', 'sometimes']),
    ]);
    expect(written).toMatchObject({ code: 0, stdout: '', stderr: `kronos: wrote ${file}\n` });
    const program = readFileSync(file, 'utf8');
    expect(program).toContain('[program:kronos-worker]\n');
    expect(program).toContain(`command=${process.execPath} --max-semi-space-size=4 ${FIXTURE_CLI} worker\n`);
    expect(program).toContain(`directory=${dir}\n`);
    expect(program).not.toContain('user=');
    expect(program).toContain('stdout_logfile=/var/log/kronos-worker/kronos-worker.log\n');
    const unit = unitSections(plain.stdout);
    expect(unit.Service).toMatchObject({
      WorkingDirectory: dir,
      Restart: 'on-failure',
      LogsDirectory: 'kronos-worker',
    });
    expect(unit.Service).not.toHaveProperty('User');
    expect(unit.Service).not.toHaveProperty('EnvironmentFile');
    expect(unitSections(always.stdout).Service).toMatchObject({ Restart: 'always' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('kronos export-systemd: --restart sometimes is not on-failure or always');
  });

  it('--node-flags replaces the Node.js flags the worker starts with, or drops them', async () => {
    const [custom, none, bad] = await Promise.all([
      kronos(['export-systemd', '--node-flags=--max-semi-space-size=8 --max-old-space-size=512']),
      kronos(['export-supervisord', '--node-flags', '']),
      kronos(['export-systemd', '--node-flags', 'max-semi-space-size=8']),
    ]);
    expect(unitSections(custom.stdout).Service.ExecStart).toBe(
      `${process.execPath} --max-semi-space-size=8 --max-old-space-size=512 ${FIXTURE_CLI} worker`,
    );
    expect(none.stdout).toContain(`command=${process.execPath} ${FIXTURE_CLI} worker\n`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'kronos export-systemd: --node-flags: "max-semi-space-size=8" is not a Node.js flag (they start with -)',
    );
  });
});
