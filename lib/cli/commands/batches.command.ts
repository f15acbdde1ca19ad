import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatTime, print, printJson, table } from '../format.js';

/** `kronos batches [ID] [stop ID]`: list batches with their progress, show one, or stop one. */
export const batchesCommand: Command = {
  name: 'batches',
  summary: 'list batches with their progress, show one (ID), or stop one (stop ID)',
  usage: 'kronos batches [ID | stop ID] [--limit N] [--json]',
  help: `Without an id, lists the latest batches (--limit, default 20), newest first: how many of
their tasks completed, failed (failed, timed out or expired), were cancelled or stopped, and how
many are pending. With an id, shows that batch. "stop ID" stops its waiting and queued tasks.`,
  options: { limit: { type: 'string' } },
  boot: 'app',
  async run({ app, positionals, values, io }) {
    const id = (text: string | undefined): number => {
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${text ?? '(none)'} is not a batch id`);
      return n;
    };
    const [first, second, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected ${extra.join(' ')}`);
    if (first === 'stop') {
      const stopped = await app.scheduler.stopBatch(id(second));
      if (values.json) printJson(io, { batch: Number(second), stopped });
      else print(io.out, `Batch ${second}: ${stopped} pending task(s) stopped.`);
      return 0;
    }
    if (second !== undefined) throw new UsageError(`unexpected ${second}`);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0)
      throw new UsageError(`--limit ${String(values.limit)} is not a positive integer`);
    const batches = first === undefined ? await app.scheduler.batches(limit) : [await app.scheduler.batch(id(first))];
    if (values.json) {
      printJson(io, first === undefined ? batches : batches[0]);
      return 0;
    }
    if (batches.length === 0) {
      print(io.out, 'No batches.');
      return 0;
    }
    print(
      io.out,
      table(
        [
          'ID',
          'DESCRIPTION',
          'PROGRESS',
          'COMPLETED',
          'FAILED',
          'CANCELLED',
          'STOPPED',
          'PENDING',
          'CREATED',
          'FINISHED',
        ],
        batches.map((b) => {
          const ended = b.counts.total - b.counts.pending;
          const state = b.stopped ? ' (stopped)' : '';
          return [
            String(b.id),
            b.description ?? '',
            `${ended}/${b.counts.total} ${Math.floor((100 * ended) / Math.max(1, b.counts.total))}%${state}`,
            String(b.counts.completed),
            String(b.counts.failed),
            String(b.counts.cancelled),
            String(b.counts.stopped),
            String(b.counts.pending),
            formatTime(b.createdAt),
            b.finishedAt === null ? '' : formatTime(b.finishedAt),
          ];
        }),
      ),
    );
    return 0;
  },
};
