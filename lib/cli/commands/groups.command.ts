import { userInfo } from 'node:os';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatIniRateLimit } from '../../config/ini-values.js';
import { formatTime, print, printJson, table } from '../format.js';

/** Who pauses a group from the command line, for the record. */
const byCli = (): string => {
  try {
    return `kronos-cli:${userInfo().username}`;
  } catch {
    return 'kronos-cli';
  }
};

/** `kronos groups [pause NAME | resume NAME]`: list groups with their paused state, or pause / resume one. */
export const groupsCommand: Command = {
  name: 'groups',
  summary: 'list groups (paused or not, queued and running, rate limit), or pause / resume one',
  usage: 'kronos groups [pause NAME | resume NAME] [--json]',
  help: `Without arguments, lists every group: paused or not (by whom, since when), its queued and
running tasks, the workers serving it and its rate limit (the application's groups option, as
100/1m, with the starts counted in the current window across the cluster). "pause NAME" stops
every worker from claiming the group's tasks (running ones finish) until "resume NAME"; workers
read the paused groups on each heartbeat, so either takes effect within one
worker.heartbeatInterval.`,
  options: {},
  boot: 'app',
  async run({ app, positionals, values, io }) {
    const [verb, name, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected ${extra.join(' ')}`);
    if (verb === 'pause' || verb === 'resume') {
      if (name === undefined) throw new UsageError(`${verb} needs a group name`);
      const changed =
        verb === 'pause' ? await app.scheduler.pauseGroup(name, byCli()) : await app.scheduler.resumeGroup(name);
      if (values.json) printJson(io, { group: name, paused: verb === 'pause', changed });
      else
        print(
          io.out,
          changed
            ? `Group ${name} ${verb === 'pause' ? 'paused' : 'resumed'}.`
            : `Group ${name} was ${verb === 'pause' ? 'already paused' : 'not paused'}.`,
        );
      return 0;
    }
    if (verb !== undefined) throw new UsageError(`unknown action ${verb} (pause NAME or resume NAME)`);
    const groups = await app.scheduler.groups();
    if (values.json) {
      printJson(io, groups);
      return 0;
    }
    if (groups.length === 0) {
      print(io.out, 'No groups.');
      return 0;
    }
    print(
      io.out,
      table(
        ['GROUP', 'STATE', 'QUEUED', 'RUNNING', 'WORKERS', 'RATE LIMIT', 'PAUSED AT', 'PAUSED BY'],
        groups.map((g) => [
          g.name,
          g.paused ? 'paused' : 'active',
          String(g.queued),
          String(g.running),
          String(g.workers.length),
          g.rateLimit === null
            ? ''
            : `${formatIniRateLimit(g.rateLimit.limit, g.rateLimit.perMs)} (${g.rateLimit.used} used)`,
          g.pausedAt === null ? '' : formatTime(g.pausedAt),
          g.pausedBy ?? '',
        ]),
      ),
    );
    return 0;
  },
};
