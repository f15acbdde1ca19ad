import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../cli-error.js';
import type { Command, Values } from '../command.js';
import { print } from '../format.js';
import { WORKER_NODE_FLAGS } from '../worker-node-flags.js';

/** What a service definition for `kronos worker` needs, after defaults. */
export interface ServiceSpec {
  name: string;
  user: string | null;
  directory: string;
  envFile: string | null;
  logDir: string;
  /** The program and its arguments. */
  command: string[];
  restart: 'on-failure' | 'always';
  /** How long the service manager waits after SIGTERM before SIGKILL, in seconds. */
  stopTimeout: number;
  processes: number;
}

const OPTIONS = {
  name: { type: 'string' },
  user: { type: 'string' },
  directory: { type: 'string' },
  'log-dir': { type: 'string' },
  node: { type: 'string' },
  'node-flags': { type: 'string' },
  groups: { type: 'string' },
  concurrency: { type: 'string' },
  restart: { type: 'string' },
  'stop-timeout': { type: 'string' },
  processes: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

const HELP = `Prints a service definition that runs "kronos worker" (write it with -o FILE):
  --name NAME            program / unit name (default kronos-worker)
  --user USER            run as this user (default: the service manager's)
  --directory DIR        working directory (default: the current one)
  --env FILE             environment file the service loads (database settings, KRONOS_*)
  --log-dir DIR          log files DIR/NAME.log and DIR/NAME.error.log (default /var/log/NAME)
  --node PATH            the node binary (default: the one running this command)
  --node-flags="FLAGS"   Node.js flags for the worker (default "${WORKER_NODE_FLAGS.join(' ')}": a smaller
                         young generation, about 20 MB less memory per worker; "" for none)
  --groups a,b           worker groups; --concurrency n
  --restart on-failure|always
                         default on-failure: a crash restarts, while the exit after SIGTERM or
                         "kronos workers terminate|kill" (exit code 0) leaves it stopped
  --stop-timeout SEC     wait after SIGTERM before SIGKILL (default 60; keep it above the
                         worker's shutdownGracePeriod)
  --processes N          supervisord: number of worker processes (default 1)
--app is passed on to the worker when given.`;

/** Shell-quote an argument unless it is plainly safe (`#` only inside a word, where it is no comment). */
const quote = (arg: string) => (/^[\w@%+=:,./-][\w@%+=:,./#-]*$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

function serviceSpec(values: Values): ServiceSpec {
  const text = (key: string) => (typeof values[key] === 'string' ? values[key] : undefined);
  const name = text('name') ?? 'kronos-worker';
  if (!/^[\w.@-]+$/.test(name)) throw new UsageError(`--name ${name} may only hold letters, digits and . _ @ -`);
  const number = (key: string, fallback: number) => {
    const raw = text(key);
    if (raw === undefined) return fallback;
    if (!/^[1-9]\d*$/.test(raw)) throw new UsageError(`--${key} ${raw} is not a positive integer`);
    return Number(raw);
  };
  const restart = text('restart') ?? 'on-failure';
  if (restart !== 'on-failure' && restart !== 'always')
    throw new UsageError(`--restart ${restart} is not on-failure or always`);
  const directory = resolve(text('directory') ?? process.cwd());
  const envFiles = values.env as string[] | undefined;
  if (envFiles && envFiles.length > 1) throw new UsageError('a service takes one --env file');
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const nodeFlags = text('node-flags')?.split(/\s+/).filter(Boolean) ?? WORKER_NODE_FLAGS;
  const badFlag = nodeFlags.find((flag) => !flag.startsWith('-'));
  if (badFlag !== undefined)
    throw new UsageError(`--node-flags: "${badFlag}" is not a Node.js flag (they start with -)`);
  const command = [text('node') ?? process.execPath, ...nodeFlags, main, 'worker'];
  if (text('app')) command.push('--app', text('app')!);
  if (text('groups')) command.push('--groups', text('groups')!);
  if (text('concurrency')) command.push('--concurrency', String(number('concurrency', 1)));
  return {
    name,
    user: text('user') ?? null,
    directory,
    envFile: envFiles?.[0] ? resolve(directory, envFiles[0]) : null,
    logDir: text('log-dir') ?? `/var/log/${name}`,
    command,
    restart,
    stopTimeout: number('stop-timeout', 60),
    processes: number('processes', 1),
  };
}

/** A systemd unit for `kronos worker`. */
export function systemdUnit(spec: ServiceSpec): string {
  return [
    `# Kronos worker. Install as /etc/systemd/system/${spec.name}.service, then:`,
    `#   systemctl daemon-reload && systemctl enable --now ${spec.name}`,
    '[Unit]',
    `Description=Kronos worker (${spec.name})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...(spec.user ? [`User=${spec.user}`] : []),
    `WorkingDirectory=${spec.directory}`,
    ...(spec.envFile ? [`EnvironmentFile=${spec.envFile}`] : []),
    'Environment=NODE_ENV=production',
    `ExecStart=${spec.command.map(quote).join(' ')}`,
    `Restart=${spec.restart}`,
    'RestartSec=5',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${spec.stopTimeout}`,
    // systemd creates a folder under /var/log for the service's user; elsewhere it must exist.
    ...(spec.logDir.startsWith('/var/log/') ? [`LogsDirectory=${spec.logDir.slice('/var/log/'.length)}`] : []),
    `StandardOutput=append:${spec.logDir}/${spec.name}.log`,
    `StandardError=append:${spec.logDir}/${spec.name}.error.log`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** A supervisord program for `kronos worker`. */
export function supervisordProgram(spec: ServiceSpec): string {
  const command = spec.command.map(quote).join(' ');
  // supervisord has no environment file: a shell loads it, then becomes the worker (exec).
  const program = spec.envFile
    ? `/bin/sh -c ${quote(`set -a && . ${quote(spec.envFile)} && set +a && exec ${command}`)}`
    : command;
  return [
    `; Kronos worker. Install as /etc/supervisor/conf.d/${spec.name}.conf (create ${spec.logDir} first), then:`,
    ';   supervisorctl reread && supervisorctl update',
    `[program:${spec.name}]`,
    `command=${program}`,
    ...(spec.processes > 1 ? [`process_name=%(program_name)s_%(process_num)02d`, `numprocs=${spec.processes}`] : []),
    `directory=${spec.directory}`,
    ...(spec.user ? [`user=${spec.user}`] : []),
    'environment=NODE_ENV="production"',
    'autostart=true',
    `autorestart=${spec.restart === 'always' ? 'true' : 'unexpected'}`,
    'exitcodes=0',
    'startsecs=5',
    'startretries=10',
    'stopsignal=TERM',
    `stopwaitsecs=${spec.stopTimeout}`,
    'stopasgroup=true',
    'killasgroup=true',
    `stdout_logfile=${spec.logDir}/${spec.processes > 1 ? '%(program_name)s_%(process_num)02d' : spec.name}.log`,
    `stderr_logfile=${spec.logDir}/${spec.processes > 1 ? '%(program_name)s_%(process_num)02d' : spec.name}.error.log`,
    '',
  ].join('\n');
}

function serviceCommand(name: string, kind: string, render: (spec: ServiceSpec) => string): Command {
  return {
    name,
    summary: `print a ${kind} definition for "kronos worker"`,
    usage: `kronos ${name} [--name NAME] [--user USER] [--directory DIR] [--env FILE] [--log-dir DIR] [-o FILE]`,
    help: HELP,
    options: OPTIONS,
    boot: 'none',
    async run({ values, io }) {
      const text = render(serviceSpec(values));
      if (typeof values.output === 'string') {
        await writeFile(values.output, text);
        print(io.err, `kronos: wrote ${values.output}`);
      } else {
        io.out.write(text);
      }
      return 0;
    },
  };
}

export const exportSystemdCommand = serviceCommand('export-systemd', 'systemd unit', systemdUnit);
export const exportSupervisordCommand = serviceCommand('export-supervisord', 'supervisord program', supervisordProgram);
