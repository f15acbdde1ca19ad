import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KRONOS_WORKER_ENV } from '../../scheduler.environment.js';
import type { TaskStatusView } from '../../service/views.js';
import { FINISHED_TASK_STATUSES } from '../../types.js';
import type { KronosApp } from '../app-context.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatElapsed, print, printJson, type Io } from '../format.js';

/**
 * The run goes to a worker group only this process serves, so the worker started here (and no
 * other) claims it: the handler runs in the foreground through the normal claim, execution and
 * recording, and its output can be followed live.
 */
const RUN_GROUP = `kronos-run:${process.pid}:${randomBytes(4).toString('hex')}`;
/** A run left behind by a process that died is never claimed: it expires instead. */
const ABANDON_AFTER_MS = 24 * 3_600_000;

export const runCommand: Command = {
  name: 'run',
  summary: 'run one job now in the foreground, streaming progress and output',
  usage: 'kronos run NAME [--payload JSON] [--as USER_ID]',
  help: `Queues a run of NAME and runs it in this process, through the same claim, execution and
recording as any worker (retries included). Progress and output are printed as they come.
--payload gives the payload as JSON (default: the job's own, e.g. a scheduler.ini section's
keyword arguments); --as runs it as that user. Ctrl-C stops the run (status STOPPED).
Exit code 0 when the run ends COMPLETED, 1 otherwise.`,
  options: { payload: { type: 'string' }, as: { type: 'string' } },
  boot: 'worker',
  environment: () => ({
    [KRONOS_WORKER_ENV.switch]: 'on',
    [KRONOS_WORKER_ENV.groups]: RUN_GROUP,
    [KRONOS_WORKER_ENV.concurrency]: '1',
  }),
  async run({ app, positionals, values, io, signal }) {
    const [name, ...extra] = positionals;
    if (!name || extra.length) throw new UsageError('run takes one job name');
    let payload: unknown;
    if (typeof values.payload === 'string') {
      try {
        payload = JSON.parse(values.payload);
      } catch (error) {
        throw new UsageError(`--payload is not JSON: ${(error as Error).message}`);
      }
    }
    const runAs = typeof values.as === 'string' ? { runAs: values.as } : {};
    const { id } = await app.scheduler.runNow(name, payload, {
      group: RUN_GROUP,
      stopAt: Date.now() + ABANDON_AFTER_MS,
      ...runAs,
    });
    if (!values.json) print(io.err, `kronos: running ${name} as task ${id}`);
    signal.addEventListener('abort', () => void stopRun(app, id, io), { once: true });
    const view = await follow(app, id, values.json ? null : io);
    if (values.json) printJson(io, view);
    else summarize(view, io);
    return view.task.status === 'COMPLETED' ? 0 : 1;
  },
};

async function stopRun(app: KronosApp, taskId: number, io: Io): Promise<void> {
  print(io.err, 'kronos: stopping the run (Ctrl-C again to quit at once)');
  app.bootstrap.currentWorker?.running.get(taskId)?.abort('stop');
  await app.scheduler.stop(taskId).catch(() => undefined);
}

/** What a live attempt shows: from the worker in this process, else from the task row. */
interface Live {
  attempt: number;
  percent: number | null;
  message: string | null;
  output: string | null;
}

type RunningHere = NonNullable<ReturnType<NonNullable<KronosApp['bootstrap']['currentWorker']>['running']['get']>>;

const fromMemory = (running: RunningHere): Live => ({
  attempt: running.task.attempt,
  percent: running.progress.percent,
  message: running.progress.message,
  output: running.output.value(),
});

const fromRow = (view: TaskStatusView): Live => ({
  attempt: view.task.attempt,
  percent: view.task.progress,
  message: view.task.progressMessage,
  output: view.task.output,
});

/** Poll until the task is finished, printing progress and new output on the way (unless `io` is null). */
async function follow(app: KronosApp, taskId: number, io: Io | null): Promise<TaskStatusView> {
  let attempt = 0;
  let printed = '';
  let progress = '';
  let waiting = '';
  let last: RunningHere | undefined;
  const show = (now: Live) => {
    if (!io) return;
    if (now.attempt !== attempt) {
      if (attempt > 0) print(io.err, `kronos: attempt ${now.attempt}`);
      attempt = now.attempt;
      printed = '';
    }
    const line =
      now.percent === null ? '' : `[${String(now.percent).padStart(3)}%]${now.message ? ` ${now.message}` : ''}`;
    if (line && line !== progress) print(io.out, line);
    progress = line;
    const text = now.output ?? '';
    if (text === printed) return;
    if (text.startsWith(printed)) io.out.write(`${text.slice(printed.length).replace(/^\n/, '')}\n`);
    else print(io.out, `--- output cleared ---\n${text}`);
    printed = text;
  };
  for (;;) {
    const running = app.bootstrap.currentWorker?.running.get(taskId);
    if (running) {
      last = running;
      show(fromMemory(running));
      await sleep(50);
      continue;
    }
    // The attempt that ran here keeps its final state in memory: show what the last poll missed.
    if (last) show(fromMemory(last));
    const view = await app.scheduler.status(taskId);
    if (FINISHED_TASK_STATUSES.includes(view.task.status)) {
      if (view.latestRun)
        show({ attempt: view.latestRun.attempt, percent: null, message: null, output: view.latestRun.output });
      return view;
    }
    if (view.task.status === 'RUNNING' && !last) show(fromRow(view)); // running elsewhere (process isolation)
    if (view.task.status === 'QUEUED' && view.task.attempt > 0 && io) {
      const note = `kronos: attempt ${view.task.attempt} ended ${view.latestRun?.status ?? ''}; retrying at ${new Date(view.task.nextRunTime).toISOString()}`;
      if (note !== waiting) print(io.err, note);
      waiting = note;
    }
    await sleep(150);
  }
}

function summarize(view: TaskStatusView, io: Io): void {
  const run = view.latestRun;
  const status = view.task.status;
  if (!run) {
    print(io.out, `${status} (task ${view.task.id}): the task never ran`);
    return;
  }
  print(
    io.out,
    `${run.status} in ${formatElapsed(run.durationMs)} (task ${view.task.id}, run ${run.id}, attempt ${run.attempt})`,
  );
  if (run.message) print(io.out, `message: ${run.message}`);
  if (run.result !== null) print(io.out, `result: ${run.result}`);
  if (run.traceback && run.status !== 'COMPLETED') print(io.err, run.traceback);
}
