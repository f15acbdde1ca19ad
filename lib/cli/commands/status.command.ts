import { TASK_STATUSES } from '../../types.js';
import { readDefinitions } from '../../service/job-list.js';
import { cappedTaskCounts, COUNT_CAP, formatCount, jobCounts } from '../../service/overview.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatElapsed, formatTime, print, printJson, table } from '../format.js';

/** `kronos status [TASK_ID]`: one task with its latest run, or an overview. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'one task with its latest run, or an overview of tasks, jobs and workers',
  usage: 'kronos status [TASK_ID] [--json]',
  boot: 'app',
  async run({ app, positionals, values, io }) {
    if (positionals.length > 1) throw new UsageError('status takes at most one task id');
    if (positionals.length === 1) {
      // Digits only ('1e3' and '0x10' are not ids); an id past the column's range is a TaskNotFoundError.
      if (!/^\d+$/.test(positionals[0])) throw new UsageError(`${positionals[0]} is not a task id`);
      const view = await app.scheduler.status(Number(positionals[0]));
      if (values.json) {
        printJson(io, view);
        return 0;
      }
      const { task, latestRun: run } = view;
      const rows: [string, string][] = [
        ['task', `${task.id} (${task.uuid})`],
        ['job', task.jobName],
        ['status', task.status],
        ['attempt', String(task.attempt)],
        ['next run', task.status === 'QUEUED' ? formatTime(task.nextRunTime) : '-'],
        ['worker', task.assignedWorker ?? '-'],
        ['run as', task.runAs ?? '-'],
        ['payload', task.payload ?? '-'],
      ];
      if (task.status === 'RUNNING')
        rows.push([
          'progress',
          task.progress === null ? '-' : `${task.progress}% ${task.progressMessage ?? ''}`.trim(),
        ]);
      print(io.out, rows.map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`).join('\n'));
      const output = task.status === 'RUNNING' ? task.output : run?.output;
      if (run) {
        print(
          io.out,
          `\nlatest run ${run.id}: ${run.status} at ${formatTime(run.startTime)} in ${formatElapsed(run.durationMs)} on ${run.worker ?? '-'}`,
        );
        if (run.message) print(io.out, `message:   ${run.message}`);
        if (run.result !== null) print(io.out, `result:    ${run.result}`);
      }
      if (output) print(io.out, `output:\n${output.replace(/^/gm, '  ')}`);
      if (run?.traceback && run.status !== 'COMPLETED')
        print(io.out, `traceback:\n${run.traceback.replace(/^/gm, '  ')}`);
      return 0;
    }
    // The dashboard's Overview reads the same capped counts (lib/service/overview.ts).
    const ds = app.runtime.dataSource;
    const counts = await cappedTaskCounts(ds, COUNT_CAP);
    const shown = TASK_STATUSES.filter((s) => (counts.get(s) ?? 0) > 0);
    const capped = shown.filter((s) => counts.get(s)! > COUNT_CAP);
    const tasks = Object.fromEntries(shown.map((s) => [s, Math.min(counts.get(s)!, COUNT_CAP)]));
    const jobs = jobCounts(await readDefinitions(ds));
    const workers = await app.scheduler.workers();
    const overview = {
      tasks,
      // Present only when a count stopped at the cap: those statuses have more tasks than shown.
      ...(capped.length > 0 && { tasksCapped: { at: COUNT_CAP, statuses: capped } }),
      jobs,
      workers: {
        total: workers.length,
        active: workers.filter((w) => w.status === 'ACTIVE').length,
        running: workers.reduce((n, w) => n + w.running, 0),
      },
    };
    if (values.json) {
      printJson(io, overview);
      return 0;
    }
    print(
      io.out,
      `jobs:     ${jobs.total} (${jobs.active} active, ${jobs.inactive} inactive, ${jobs.missing} missing)`,
    );
    print(
      io.out,
      `workers:  ${overview.workers.total} (${overview.workers.active} active, ${overview.workers.running} task(s) running)`,
    );
    print(io.out, 'tasks:');
    print(
      io.out,
      table(
        ['  STATUS', 'COUNT'],
        shown.map((s) => [`  ${s}`, formatCount(counts.get(s)!, COUNT_CAP)]),
      ),
    );
    return 0;
  },
};
