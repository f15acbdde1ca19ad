import type { LogLevel } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { KronosError } from '../errors.js';
import { KRONOS_WORKER_ENV } from '../scheduler.environment.js';
import { bootApp, locateApp, type KronosApp } from './app-context.js';
import { CliError, EXIT, UsageError } from './cli-error.js';
import { GLOBAL_HELP, GLOBAL_OPTIONS, type Command, type Values } from './command.js';
import { listCommand, discoverCommand, activateCommand, deactivateCommand } from './commands/jobs.command.js';
import { batchesCommand } from './commands/batches.command.js';
import { groupsCommand } from './commands/groups.command.js';
import { enqueueCommand } from './commands/enqueue.command.js';
import { exportIniCommand, importIniCommand } from './commands/ini.command.js';
import { pruneCommand } from './commands/prune.command.js';
import { runCommand } from './commands/run.command.js';
import { runsCommand } from './commands/runs.command.js';
import { exportSupervisordCommand, exportSystemdCommand } from './commands/service-files.command.js';
import { statusCommand } from './commands/status.command.js';
import { workerCommand } from './commands/worker.command.js';
import { workersCommand } from './commands/workers.command.js';
import { print, type Io } from './format.js';

export const COMMANDS: Command[] = [
  workerCommand,
  listCommand,
  discoverCommand,
  activateCommand,
  deactivateCommand,
  runCommand,
  enqueueCommand,
  statusCommand,
  runsCommand,
  workersCommand,
  batchesCommand,
  groupsCommand,
  pruneCommand,
  exportIniCommand,
  importIniCommand,
  exportSupervisordCommand,
  exportSystemdCommand,
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: kronos <command> [options]',
    '',
    'Runs and inspects Kronos jobs of a NestJS application: boots its compiled module (no HTTP',
    'server) and works on its database.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_HELP,
    '',
    'kronos <command> --help shows the options of a command; kronos --version the version.',
    'Exit codes: 0 success, 1 failure, 2 wrong usage. See docs/cli.md.',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    ...(command.help ? ['', command.help] : []),
    '',
    GLOBAL_HELP,
  ].join('\n');
}

/** Parse `argv` (without node and the script) for `command`. */
function parse(command: Command, argv: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError( \[\w+\])?: /, ''));
  }
}

/**
 * Run one `kronos` command and return its exit code. Every failure becomes one line on stderr
 * (`kronos <command>: ...`) and a non-zero code; `--verbose` adds the stack.
 */
export async function runCli(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(name === undefined ? io.err : io.out, mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    print(io.out, await version());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    print(io.err, `kronos: unknown command "${name}". Run kronos --help for the list.`);
    return EXIT.usage;
  }
  let values: Values = {};
  const stop = new AbortController();
  let app: KronosApp | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      print(io.err, `kronos: ${signal} again, exiting at once`);
      process.exit(EXIT.failure);
    }
    stop.abort();
  };
  try {
    const parsed = parse(command, rest);
    values = parsed.values;
    if (values.help) {
      print(io.out, commandHelp(command));
      return EXIT.ok;
    }
    if (command.boot !== 'none') {
      for (const file of (values.env as string[] | undefined) ?? []) loadEnvFile(file);
      // The application reads these at start-up: only `worker` and `run` run a worker here.
      Object.assign(
        env,
        { [KRONOS_WORKER_ENV.switch]: 'off' },
        command.environment?.(values, parsed.positionals) ?? {},
      );
      const location = await locateApp(
        { app: values.app as string | undefined, config: values.config as string | undefined },
        process.cwd(),
        env,
      );
      // A worker process logs like the application; other commands only say what went wrong.
      const logs: LogLevel[] = values.verbose
        ? ['log', 'error', 'warn', 'debug']
        : command === workerCommand
          ? ['log', 'error', 'warn']
          : ['error', 'warn'];
      app = await bootApp(location, logs);
    }
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    return await command.run({
      values,
      positionals: parsed.positionals,
      io,
      app: app ?? notBooted(),
      signal: stop.signal,
    });
  } catch (error) {
    return report(error, command, io, Boolean(values.verbose));
  } finally {
    if (app)
      await app
        .close()
        .catch((error) => print(io.err, `kronos: closing the application failed: ${(error as Error).message}`));
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

function report(error: unknown, command: Command, io: Io, verbose: boolean): number {
  if (error instanceof UsageError) {
    print(io.err, `kronos ${command.name}: ${error.message}\nUsage: ${command.usage}`);
    return EXIT.usage;
  }
  const known = error instanceof CliError || error instanceof KronosError;
  const message = error instanceof Error ? error.message : String(error);
  print(io.err, `kronos ${command.name}: ${message.split('\n')[0]}`);
  if (verbose && error instanceof Error && error.stack) print(io.err, error.stack);
  else if (!known) print(io.err, '(run with --verbose for details)');
  return error instanceof CliError ? error.exitCode : EXIT.failure;
}

function loadEnvFile(file: string): void {
  try {
    process.loadEnvFile(file);
  } catch (error) {
    throw new CliError(`cannot load --env ${file}: ${(error as Error).message}`);
  }
}

function notBooted(): KronosApp {
  return new Proxy({} as KronosApp, {
    get: () => {
      throw new Error('this command does not boot the application');
    },
  });
}

/** This package's version: the package.json above this file (dist/lib/cli, or another build folder). */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  for (let up = 2; up <= 5; up++) {
    try {
      const pkg = JSON.parse(await readFile(new URL(`${'../'.repeat(up)}package.json`, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'nestjs-kronos') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}
