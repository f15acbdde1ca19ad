import type { ParseArgsConfig } from 'node:util';
import type { KronosApp } from './app-context.js';
import type { Io } from './format.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

/** How a command needs the application: not at all, without a worker, or with one. */
export type BootMode = 'none' | 'app' | 'worker';

export interface CommandInput {
  values: Values;
  positionals: string[];
  io: Io;
  /** The booted application (not booted for `boot: 'none'`: using it throws). */
  app: KronosApp;
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** One `kronos <name>` command. */
export interface Command {
  name: string;
  /** One line for `kronos --help`. */
  summary: string;
  /** `kronos list [--json]` and what follows on the help page. */
  usage: string;
  help?: string;
  options?: OptionSpecs;
  boot: BootMode;
  /** Environment the application must see (read by SchedulerModule at start-up). */
  environment?(values: Values, positionals: string[]): Record<string, string>;
  /** Returns the exit code. */
  run(input: CommandInput): Promise<number>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  app: { type: 'string' },
  config: { type: 'string' },
  env: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
};

export const GLOBAL_HELP = `Options of every command:
  --app FILE#Export   the compiled application module (default: KRONOS_APP, kronos.config.js,
                      or "kronos": { "app": ... } in package.json)
  --config FILE       a kronos.config.js to read instead of the one in the working directory
  --env FILE          load environment variables from FILE first (repeatable)
  --json              machine-readable output
  -v, --verbose       show the application's log
  -h, --help          this help`;
