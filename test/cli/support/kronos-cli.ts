import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { TMP_ENV } from '../../support/settings.js';

const ROOT = process.cwd();

/**
 * Compile once per test run: every spec file gets fresh modules (and its own copy of the
 * environment), so a marker in the run's scratch folder remembers what was built.
 */
function buildOnce(marker: string, tsconfig: string): void {
  const done = join(process.env[TMP_ENV] || tmpdir(), marker);
  if (process.env[TMP_ENV] && existsSync(done)) return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', tsconfig], { stdio: 'inherit' });
  writeFileSync(done, '');
}

/** The `kronos` binary compiled with the fixture app (one copy of the library for both). */
export const FIXTURE_CLI = resolve(ROOT, '.build/cli/lib/cli/main.js');
export const FIXTURE_APP = `${resolve(ROOT, '.build/cli/test/cli/fixtures/cli-app.module.js')}#CliAppModule`;
/** The `kronos` binary and the sample app as `npm run build` makes them. */
export const DIST_CLI = resolve(ROOT, 'dist/lib/cli/main.js');
export const SAMPLE_APP = `${resolve(ROOT, 'dist/sample/app.module.js')}#AppModule`;

/** Compile the library with the fixture app into .build/cli, once per test run. */
export function buildCliFixtures(): void {
  buildOnce('cli-fixtures.built', 'test/cli/tsconfig.fixtures.json');
}

/** `npm run build`: dist/lib (the published package, with the `kronos` bin) and dist/sample. */
export function buildDist(): void {
  buildOnce('dist.built', 'tsconfig.build.json');
}

export const scratchDir = (prefix: string): string => mkdtempSync(join(process.env[TMP_ENV] || tmpdir(), prefix));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The binary: the fixture build by default. */
  cli?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Environment for the fixture app on `db` (TypeORM options) with an optional ini file. */
export function fixtureEnv(
  db: DataSourceOptions,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const { entities: _e, migrations: _m, ...options } = db;
  return { KRONOS_FIXTURE_DB: JSON.stringify(options), ...extra };
}

/** A running `kronos` process whose output is collected as it comes. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout+stderr match `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<CliResult>;
}

export function startKronos(args: string[], options: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [options.cli ?? FIXTURE_CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: definedOnly({ ...process.env, TZ: 'UTC', FORCE_COLOR: '0', NO_COLOR: '1', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  child.stdout.on('data', (chunk) => ((stdout += chunk), notify()));
  child.stderr.on('data', (chunk) => ((stderr += chunk), notify()));
  const exited = new Promise<CliResult>((done) =>
    child.once('close', (code, signal) => done({ code, signal, stdout, stderr })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  void exited.then(() => clearTimeout(timer));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout + stderr)) return;
          waiters.delete(check);
          clearTimeout(timeout);
          resolve();
        };
        const timeout = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `kronos ${args.join(' ')}: no ${pattern} within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => setTimeout(check, 0));
        check();
      });
    },
  };
}

/** An environment without the variables set to undefined (so a test can unset one). */
const definedOnly = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;

/** Run `kronos ...args` to completion. */
export function kronos(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startKronos(args, options).exited;
}

/** Parse the JSON a `--json` command printed, with its output in the error when it is not JSON. */
export function json<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
