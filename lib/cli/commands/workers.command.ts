import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatElapsed, formatTime, print, printJson, table } from '../format.js';

const ACTIONS = {
  disable: { method: 'disableWorkers', done: 'told to stop claiming' },
  resume: { method: 'resumeWorkers', done: 'told to claim again' },
  terminate: { method: 'terminateWorkers', done: 'told to finish their running tasks and exit' },
  kill: { method: 'killWorkers', done: 'told to interrupt their running tasks (re-queued) and exit' },
} as const;

/** `kronos workers [disable|resume|terminate|kill]`: list workers, or address a command to them. */
export const workersCommand: Command = {
  name: 'workers',
  summary: 'list workers, or disable|resume|terminate|kill them (by --groups)',
  usage: 'kronos workers [disable|resume|terminate|kill] [--groups a,b] [--json]',
  help: `Without an action, lists live workers. With one, addresses it to the workers serving any of
--groups (all workers when omitted); each worker reads it on its next heartbeat.`,
  options: { groups: { type: 'string' } },
  boot: 'app',
  async run({ app, positionals, values, io }) {
    const [action, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected ${extra.join(' ')}`);
    if (action !== undefined) {
      if (!(action in ACTIONS)) throw new UsageError(`${action} is not one of ${Object.keys(ACTIONS).join(', ')}`);
      const { method, done } = ACTIONS[action as keyof typeof ACTIONS];
      const groups =
        typeof values.groups === 'string'
          ? values.groups
              .split(',')
              .map((g) => g.trim())
              .filter(Boolean)
          : undefined;
      const names = await app.scheduler[method](groups);
      if (values.json) printJson(io, { action, groups: groups ?? null, workers: names });
      else
        print(io.out, names.length ? `${names.length} worker(s) ${done}: ${names.join(', ')}` : 'No worker matched.');
      return 0;
    }
    if (typeof values.groups === 'string')
      throw new UsageError('--groups selects the workers of an action (disable, resume, terminate, kill)');
    const workers = await app.scheduler.workers();
    if (values.json) {
      printJson(io, workers);
      return 0;
    }
    if (workers.length === 0) {
      print(io.out, 'No workers.');
      return 0;
    }
    print(
      io.out,
      table(
        ['NAME', 'GROUPS', 'STATUS', 'RUNNING', 'COMPLETED', 'FAILED', 'STARTED', 'LAST HEARTBEAT'],
        workers.map((w) => [
          w.name,
          w.groups.join(','),
          w.status,
          String(w.running),
          String(w.completed),
          String(w.failed),
          formatTime(w.firstHeartbeat),
          `${formatElapsed(Math.max(0, w.heartbeatAge))} ago`,
        ]),
      ),
    );
    return 0;
  },
};
