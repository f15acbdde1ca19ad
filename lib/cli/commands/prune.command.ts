import { historyMaintenance } from '../../storage/history-maintenance.js';
import { countPrunable, prune, PRUNABLE_RUN_STATUSES, PRUNABLE_TASK_STATUSES } from '../../maintenance/prune.js';
import { tryParseDuration } from '../../schedule/duration.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatTime, print, printJson, ProgressBar } from '../format.js';

const STATUSES = [...new Set<string>([...PRUNABLE_RUN_STATUSES, ...PRUNABLE_TASK_STATUSES])];

/** `kronos prune`: delete old history in batches. */
export const pruneCommand: Command = {
  name: 'prune',
  summary: 'delete runs and finished tasks older than a duration, in batches',
  usage: 'kronos prune --older-than 30d [--status S,...] [--batch-size n] [--dry-run] [--json]',
  help: `Deletes runs that started before now - --older-than, then finished tasks (COMPLETED, FAILED,
TIMEOUT, STOPPED, EXPIRED, CANCELLED) last updated before it, --batch-size rows per statement
(default 1000), with a progress bar on a terminal. Recurring task rows and waiting, queued or
running tasks are never deleted. --status keeps the deletion to those statuses (run and task statuses).
--dry-run only counts. On a partitioned PostgreSQL run table (docs/partitioning.md) the
partitions wholly older than the horizon are dropped instead (their row count is estimated).
The module option retention: { olderThan } does the same periodically.`,
  options: {
    'older-than': { type: 'string' },
    status: { type: 'string' },
    'batch-size': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  boot: 'app',
  async run({ app, values, io, signal }) {
    if (typeof values['older-than'] !== 'string')
      throw new UsageError('prune needs --older-than, e.g. --older-than 30d');
    const age = tryParseDuration(values['older-than']);
    if (age === null || age <= 0)
      throw new UsageError(`--older-than ${values['older-than']} is not a duration (e.g. 12h, 30d)`);
    const batchSize = values['batch-size'] === undefined ? 1000 : Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new UsageError(`--batch-size ${String(values['batch-size'])} is not a positive integer`);
    let statuses: string[] | undefined;
    if (typeof values.status === 'string') {
      statuses = values.status
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
      const wrong = statuses.filter((s) => !STATUSES.includes(s));
      if (wrong.length) throw new UsageError(`--status ${wrong.join(',')}: prune deletes only ${STATUSES.join(', ')}`);
    }
    const before = app.runtime.options.clock.now() - age;
    const options = { before, statuses, batchSize, signal };
    const planned = await countPrunable(app.runtime.dataSource, options);
    if (values['dry-run']) {
      if (values.json) printJson(io, { dryRun: true, before, ...planned });
      else
        print(
          io.out,
          `Would delete ${planned.runs} run(s) and ${planned.tasks} finished task(s) older than ${formatTime(before)}.`,
        );
      return 0;
    }
    const bar = new ProgressBar(io.err, planned.runs + planned.tasks, 'pruning');
    const history = await historyMaintenance(app.runtime.dataSource, app.runtime.options.postgres.partitionHistory);
    const deleted = await prune(app.runtime.engine, {
      ...options,
      history,
      onProgress: (done) => bar.update(done.runs + done.tasks),
    });
    bar.finish(deleted.runs + deleted.tasks);
    if (values.json) printJson(io, { before, ...deleted, interrupted: signal.aborted });
    else
      print(
        io.out,
        `Deleted ${deleted.runs} run(s) and ${deleted.tasks} finished task(s) older than ${formatTime(before)}${signal.aborted ? ' (interrupted)' : ''}.`,
      );
    return signal.aborted ? 130 : 0;
  },
};
