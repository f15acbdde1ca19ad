import { formatIniProblem } from '../../config/ini-reader.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { clip, formatTime, print, printJson, table } from '../format.js';

/** `kronos list`: every job definition with its schedule, state, next and last run. */
export const listCommand: Command = {
  name: 'list',
  summary: 'jobs with kind, schedule, time zone, active, next and last run',
  usage: 'kronos list [--json]',
  boot: 'app',
  async run({ app, values, io }) {
    const rows = await app.scheduler.listJobs();
    if (values.json) {
      printJson(io, rows);
      return 0;
    }
    if (rows.length === 0) {
      print(io.out, 'No jobs.');
      return 0;
    }
    print(
      io.out,
      table(
        ['NAME', 'KIND', 'SOURCE', 'SCHEDULE', 'TIME ZONE', 'ACTIVE', 'NEXT RUN', 'LAST RUN', 'LAST STATUS'],
        rows.map((job) => [
          job.name,
          job.kind,
          job.source,
          clip(job.scheduleDescription ?? '-', 60),
          job.timezone ?? (job.schedule?.kind === 'cron' ? job.schedule.timezone : '-'),
          job.missing ? 'missing' : job.active ? 'yes' : 'no',
          formatTime(job.nextRunTime),
          formatTime(job.lastRun?.startTime),
          job.lastRun?.status ?? '-',
        ]),
      ),
    );
    return 0;
  },
};

/** `kronos discover`: sync definitions from code (and the configFile) and report the changes. */
export const discoverCommand: Command = {
  name: 'discover',
  summary: 'sync job definitions from code and scheduler.ini to the database; report changes',
  usage: 'kronos discover [--json]',
  help: `Every start of the application syncs definitions; this command does only that and reports
what was added, changed and flagged missing (in the database but no longer in code), and the
scheduler.ini sections left out (exit code 1 when there are any).`,
  boot: 'app',
  async run({ app, values, io }) {
    const report = app.bootstrap.startupReport;
    if (!report) throw new Error('the application did not sync its job definitions');
    const registered = app.runtime.registry.names().length;
    if (values.json) {
      printJson(io, { registered, ...report.sync, iniProblems: report.iniProblems });
    } else {
      print(io.out, `${registered} job(s) registered`);
      const line = (label: string, names: string[]) =>
        print(io.out, `${label}: ${names.length ? names.join(', ') : 'none'}`);
      line('added', report.sync.added);
      line('changed', report.sync.changed);
      line('missing', report.sync.missing);
      for (const problem of report.iniProblems)
        print(io.err, `kronos: ${formatIniProblem(problem)} (section left out)`);
    }
    return report.iniProblems.length > 0 ? 1 : 0;
  },
};

function toggle(name: 'activate' | 'deactivate'): Command {
  return {
    name,
    summary:
      name === 'activate' ? 'let a job run again (kept across deploys)' : 'stop running a job (kept across deploys)',
    usage: `kronos ${name} NAME`,
    boot: 'app',
    async run({ app, positionals, values, io }) {
      const [job, ...extra] = positionals;
      if (!job || extra.length) throw new UsageError(`${name} takes one job name`);
      await app.scheduler[name](job);
      if (values.json) printJson(io, { job, active: name === 'activate' });
      else print(io.out, `${job} ${name}d`);
      return 0;
    },
  };
}

export const activateCommand = toggle('activate');
export const deactivateCommand = toggle('deactivate');
