/**
 * Consumer applications (test/consumers/<app>/) built as a user builds them: the folder copied
 * outside the repository (so none of the repository's node_modules can leak in), `nestjs-kronos`
 * taken from the packed tarball, every other dependency installed from the npm registry by the
 * real `npm install`, compiled by the application's own `tsc`, tested by its own test runner.
 *
 * Everything runs on the Node.js binary that runs this process (its folder leads PATH, so `npm`,
 * `npx` and `#!/usr/bin/env node` scripts use it too), which is how the suite is run on several
 * Node.js versions. Native modules are compiled against that Node's own headers when its folder
 * has them (`npm_config_nodedir`). better-sqlite3 is compiled once per Node.js ABI and run:
 * after the first application's install, its binary is handed to the next installs as a local
 * prebuild (prebuild-install's `local_prebuilds` setting), the same file a download would give.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { TMP_ENV } from './settings.js';

/** The folder holding the consumer applications' sources. */
export const CONSUMERS_DIR = resolve('test/consumers');

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

/** A command's outcome as a readable block: the command, its exit and everything it printed. */
export function describeResult(command: string, result: CommandResult): string {
  const exit = result.signal ? `signal ${result.signal}` : `exit code ${result.code}`;
  return `$ ${command}\n(${exit} after ${(result.ms / 1000).toFixed(1)} s)\n${result.output}`;
}

/** Run a command to its end; stdout and stderr interleaved into `output`. Never rejects on a non-zero exit. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed: still running after ${options.timeoutMs / 1000} s]\n`;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the command and whatever it started
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, output, ms: Date.now() - started });
    });
  });
}

/** The Node.js this process runs on, and the environment that makes child commands use it. */
export function nodeEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const bin = dirname(process.execPath);
  const env: NodeJS.ProcessEnv = { ...base, PATH: [bin, base.PATH ?? ''].join(delimiter) };
  // A Node.js folder with its headers (include/node): native modules compile against those.
  if (existsSync(join(dirname(bin), 'include', 'node', 'common.gypi'))) env.npm_config_nodedir = dirname(bin);
  for (const key of Object.keys(env)) {
    // What jest or an enclosing npm script set must not steer the application's own tools.
    if (
      key.startsWith('npm_lifecycle') ||
      key.startsWith('npm_package') ||
      key === 'NODE_OPTIONS' ||
      key === 'JEST_WORKER_ID'
    )
      delete env[key];
  }
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  return env;
}

/** A scratch folder for this run's consumer applications, outside the repository. */
export async function consumersScratch(): Promise<string> {
  const root = join(process.env[TMP_ENV] || tmpdir(), `consumers-node${process.versions.node}`);
  await mkdir(root, { recursive: true });
  if (!relative(process.cwd(), root).startsWith('..'))
    throw new Error(`consumer scratch folder ${root} is inside the repository`);
  return root;
}

/** What a local run of the application may have left in its folder: installs, builds, databases. */
function leftBehind(path: string): boolean {
  const parts = path.split(sep);
  return parts.includes('node_modules') || parts.includes('dist') || /\.db(-wal|-shm)?$|\.tsbuildinfo$/.test(path);
}

/**
 * Copy `test/consumers/<name>` to `<scratch>/<name>` (no node_modules, dist or databases) and
 * point its `nestjs-kronos` dependency at the tarball, as `npm install ./nestjs-kronos-x.y.z.tgz` does.
 */
export async function copyApp(name: string, scratch: string, tarball: string): Promise<string> {
  const source = join(CONSUMERS_DIR, name);
  const target = join(scratch, name);
  await cp(source, target, { recursive: true, filter: (path) => !leftBehind(relative(source, path)) });
  const manifestFile = join(target, 'package.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { dependencies: Record<string, string> };
  if (!manifest.dependencies['nestjs-kronos']) throw new Error(`${name}/package.json does not depend on nestjs-kronos`);
  manifest.dependencies['nestjs-kronos'] = `file:${tarball}`;
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return target;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Where compiled better-sqlite3 binaries are kept for the next installs of this run, per ABI. */
export function prebuildsDir(scratch: string): string {
  return join(scratch, `better-sqlite3-prebuilds-abi${process.versions.modules}`);
}

/**
 * After an install compiled better-sqlite3, keep its binary as the prebuild archive that
 * prebuild-install would have downloaded (`<name>-v<version>-node-v<abi>-<platform>-<arch>.tar.gz`
 * holding build/Release/better_sqlite3.node), so later installs of this run skip the compiler.
 */
export async function keepBetterSqlitePrebuild(appDir: string, scratch: string, env: NodeJS.ProcessEnv): Promise<void> {
  const pkgDir = join(appDir, 'node_modules', 'better-sqlite3');
  const binary = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (!(await exists(binary))) return;
  const { version } = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const dir = prebuildsDir(scratch);
  const archive = join(
    dir,
    `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`,
  );
  if (await exists(archive)) return;
  await mkdir(dir, { recursive: true });
  const packed = await runCommand('tar', ['-czf', archive, 'build/Release/better_sqlite3.node'], {
    cwd: pkgDir,
    env,
    timeoutMs: 60_000,
  });
  if (packed.code !== 0) throw new Error(describeResult(`tar -czf ${archive}`, packed));
}

/** The environment of an install: the local prebuilds of this run, if any. */
export function installEnvironment(scratch: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, npm_config_better_sqlite3_local_prebuilds: prebuildsDir(scratch) };
}
