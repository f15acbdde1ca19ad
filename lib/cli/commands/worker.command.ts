import { KRONOS_WORKER_ENV } from '../../scheduler.environment.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { print } from '../format.js';

/** `kronos worker`: a dedicated worker process; SIGTERM/SIGINT drain it gracefully. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'run a dedicated worker until SIGTERM/SIGINT (graceful drain)',
  usage: 'kronos worker [--groups a,b] [--concurrency n]',
  help: `Boots the application with a worker, whatever its worker option says (KRONOS_WORKER=on),
serving --groups (default: the application's) with --concurrency (default: the application's).
SIGTERM or SIGINT stops claiming, waits for running tasks up to the shutdown grace period,
re-queues the rest and exits 0; a second signal exits at once. The terminate and kill worker
commands (kronos workers terminate|kill) also end the process with exit code 0.`,
  options: { groups: { type: 'string' }, concurrency: { type: 'string' } },
  boot: 'worker',
  environment(values) {
    const env: Record<string, string> = { [KRONOS_WORKER_ENV.switch]: 'on' };
    if (typeof values.groups === 'string') {
      if (!values.groups.split(',').some((g) => g.trim()))
        throw new UsageError('--groups needs at least one group name');
      env[KRONOS_WORKER_ENV.groups] = values.groups;
    }
    if (typeof values.concurrency === 'string') {
      if (!/^[1-9]\d*$/.test(values.concurrency))
        throw new UsageError(`--concurrency ${values.concurrency} is not a positive integer`);
      env[KRONOS_WORKER_ENV.concurrency] = values.concurrency;
    }
    return env;
  },
  async run({ app, io, signal }) {
    const worker = app.bootstrap.currentWorker;
    const config = app.runtime.options.worker;
    if (!worker || !config) throw new Error('the worker did not start');
    print(
      io.err,
      `kronos: worker ${worker.name} running (groups ${config.groups.join(', ')}, concurrency ${config.concurrency}); stop with SIGTERM or Ctrl-C`,
    );
    // Signal listeners do not keep Node alive: without this, an idle worker on SQLite (no open
    // socket) could end before the SIGTERM it sends itself on `workers terminate` arrives.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    clearInterval(keepAlive);
    print(io.err, `kronos: stopping worker ${worker.name} (running tasks finish or are re-queued)`);
    return 0;
  },
};
