import { FAILED_RUN_STATUSES, RUN_STATUSES, type RunStatus } from '../../types.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { clip, formatElapsed, formatTime, print, printJson, table } from '../format.js';

/** `kronos runs`: the Activity log, newest first. */
export const runsCommand: Command = {
  name: 'runs',
  summary: 'the Activity log, newest first',
  usage: 'kronos runs [--job NAME] [--failed] [--status S,...] [--limit n] [--json]',
  help: '--failed shows FAILED, TIMEOUT and LOST runs; --limit defaults to 20 (at most 1000).',
  options: {
    job: { type: 'string' },
    failed: { type: 'boolean' },
    status: { type: 'string' },
    limit: { type: 'string' },
  },
  boot: 'app',
  async run({ app, values, io }) {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0)
      throw new UsageError(`--limit ${String(values.limit)} is not a positive integer`);
    const statuses = new Set<RunStatus>(values.failed ? FAILED_RUN_STATUSES : []);
    if (typeof values.status === 'string') {
      for (const status of values.status.split(',').map((s) => s.trim().toUpperCase())) {
        if (!RUN_STATUSES.includes(status as RunStatus))
          throw new UsageError(`--status ${status} is not one of ${RUN_STATUSES.join(', ')}`);
        statuses.add(status as RunStatus);
      }
    }
    const runs = await app.scheduler.runs({
      job: typeof values.job === 'string' ? values.job : undefined,
      status: statuses.size ? [...statuses] : undefined,
      limit,
    });
    if (values.json) {
      printJson(io, runs);
      return 0;
    }
    if (runs.length === 0) {
      print(io.out, 'No runs.');
      return 0;
    }
    print(
      io.out,
      table(
        ['RUN', 'TASK', 'JOB', 'STATUS', 'STARTED', 'DURATION', 'ATTEMPT', 'RUN AS', 'MESSAGE'],
        runs.map((run) => [
          String(run.id),
          String(run.taskId),
          run.jobName,
          run.status,
          formatTime(run.startTime),
          formatElapsed(run.durationMs),
          String(run.attempt),
          run.runAs ?? '-',
          clip((run.message ?? '').replace(/\s+/g, ' '), 60),
        ]),
      ),
    );
    return 0;
  },
};
