import { readFile } from 'node:fs/promises';
import { BulkEnqueueItemError } from '../../errors.js';
import type { EnqueueManyItem } from '../../service/enqueue-many.js';
import { CliError, UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { print, printJson } from '../format.js';

/** A line of a JSONL file that was read, with its 1-based line number. */
interface Line {
  number: number;
  value: unknown;
}

/** The JSON values of a JSONL file, one a line; blank lines are skipped. */
function parseJsonLines(text: string, file: string): Line[] {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      lines.push({ number: index + 1, value: JSON.parse(line) });
    } catch (error) {
      throw new UsageError(`${file}:${index + 1}: not JSON (${(error as Error).message})`);
    }
  });
  return lines;
}

async function readSource(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** `kronos enqueue NAME [--payload JSON]` and `kronos enqueue [NAME] --many FILE.jsonl`. */
export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'queue a task, or many from a JSON Lines file in one transaction',
  usage: 'kronos enqueue NAME [--payload JSON] [--as USER_ID] | kronos enqueue [NAME] --many FILE.jsonl [--as USER_ID]',
  help: `Queues tasks for workers to run (nothing runs in this process).
With NAME and --payload: one task of NAME (default payload: none).
With --many FILE (- reads stdin): one task per line of the JSON Lines file, all checked first and
written in one transaction (nothing is queued if a line is refused: the error names its line).
With NAME, each line is a payload of NAME; without it, each line is an object
{ "job": NAME, "payload": ..., and any enqueue option: "uuid", "startAt", "delay", "priority",
"group", "retries", "timeout", "stopAt", "runAs", "queuedBy" }.
--as queues the tasks to run as that user. Prints the ids (one a line; --json: [{ id, uuid }]).`,
  options: { payload: { type: 'string' }, many: { type: 'string' }, as: { type: 'string' } },
  boot: 'app',
  async run({ app, positionals, values, io }) {
    const [name, ...extra] = positionals;
    if (extra.length) throw new UsageError('enqueue takes at most one job name');
    const shared = typeof values.as === 'string' ? { runAs: values.as } : {};
    let ids: { id: number; uuid: string }[];
    if (typeof values.many === 'string') {
      if (values.payload !== undefined)
        throw new UsageError('--payload and --many cannot be combined (with --many, each line is a payload)');
      const file = values.many;
      const lines = parseJsonLines(await readSource(file), file === '-' ? 'stdin' : file);
      try {
        ids = name
          ? await app.scheduler.enqueueMany(
              name,
              lines.map((line) => line.value),
              shared,
            )
          : await app.scheduler.enqueueMany(
              lines.map((line) => line.value as EnqueueManyItem),
              shared,
            );
      } catch (error) {
        if (!(error instanceof BulkEnqueueItemError)) throw error;
        throw new CliError(
          `${file === '-' ? 'stdin' : file}:${lines[error.index].number}: ${error.cause.message} Nothing was queued.`,
        );
      }
    } else {
      if (!name) throw new UsageError('enqueue takes a job name, or --many FILE.jsonl');
      let payload: unknown;
      if (typeof values.payload === 'string') {
        try {
          payload = JSON.parse(values.payload);
        } catch (error) {
          throw new UsageError(`--payload is not JSON: ${(error as Error).message}`);
        }
      }
      ids = [await app.scheduler.enqueue(name, payload, shared)];
    }
    if (values.json) printJson(io, ids);
    else {
      for (const { id } of ids) print(io.out, String(id));
      print(io.err, `kronos: queued ${ids.length} task${ids.length === 1 ? '' : 's'}`);
    }
    return 0;
  },
};
