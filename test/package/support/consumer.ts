/**
 * Projects that receive the packed package the way users do: `npm install <tarball>` into an
 * empty folder. npm runs for real against the registry (`--prefer-offline` reuses its cache);
 * install scripts are skipped, as nothing here loads a native driver.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packedTarball } from '../../support/packed-package.js';
import { TMP_ENV } from '../../support/settings.js';

export interface NpmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm <args>` in `cwd`; never throws on a non-zero exit (the result says how it ended). */
export function npm(cwd: string, args: string[]): Promise<NpmResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  for (const key of Object.keys(env))
    if (key.startsWith('npm_package_') || key === 'npm_lifecycle_event') delete env[key];
  return new Promise((resolve) => {
    execFile('npm', args, { cwd, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Flags of every install here: the npm cache first, no install scripts. */
export const INSTALL_FLAGS = ['--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'];

/** The manifest inside the tarball (the repository's package.json, as packed). */
export async function packedManifest(): Promise<PackageManifest> {
  return JSON.parse(await readFile(join(await unpackedPackage(), 'package.json'), 'utf8')) as PackageManifest;
}

export interface PackageManifest {
  name: string;
  version: string;
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  engines?: Record<string, string>;
}

/** `<peer>@<range>` for every peer the manifest requires (not optional). */
export async function requiredPeers(): Promise<string[]> {
  const manifest = await packedManifest();
  const optional = manifest.peerDependenciesMeta ?? {};
  return Object.entries(manifest.peerDependencies ?? {})
    .filter(([name]) => !optional[name]?.optional)
    .map(([name, range]) => `${name}@${range}`);
}

/** A new empty project folder `{ name, private }` of the given module type. */
export async function emptyProject(
  prefix: string,
  type: 'module' | 'commonjs' = 'commonjs',
  extra: object = {},
): Promise<string> {
  const dir = await mkdtemp(join(scratch(), `${prefix}-`));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: prefix, version: '1.0.0', private: true, type, ...extra }, null, 2),
  );
  return dir;
}

/** The tarball's contents, extracted once per test run: the folder that holds its package.json. */
export function unpackedPackage(): Promise<string> {
  return oncePerRun('unpacked-package', async (dir) => {
    const tarball = await packedTarball();
    await new Promise<void>((resolve, reject) =>
      execFile('tar', ['-xzf', tarball, '-C', dir], (error) =>
        error ? reject(new Error(`tar -xzf ${tarball} failed: ${error.message}`, { cause: error })) : resolve(),
      ),
    );
    return join(dir, 'package');
  });
}

/**
 * The correct setup, installed once per test run: a CommonJS project (with @types/node, as every
 * Nest application has) that ran `npm install <tarball> <required peers> better-sqlite3 @nestjs/terminus`.
 */
export function installedConsumer(): Promise<{ dir: string; install: NpmResult }> {
  return oncePerRun('installed-consumer', async (dir) => {
    const manifest = await packedManifest();
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'commonjs' }, null, 2),
    );
    const driver = `better-sqlite3@${manifest.peerDependencies?.['better-sqlite3']}`;
    const terminus = `@nestjs/terminus@${manifest.peerDependencies?.['@nestjs/terminus']}`;
    const install = await npm(dir, [
      'install',
      await packedTarball(),
      ...(await requiredPeers()),
      driver,
      terminus,
      '@types/node@^20.19.0',
      ...INSTALL_FLAGS,
    ]);
    if (install.code !== 0) throw new Error(`npm install into ${dir} failed (${install.code}):\n${install.stderr}`);
    return { dir, install };
  });
}

function scratch(): string {
  return process.env[TMP_ENV] || tmpdir();
}

const made = new Map<string, Promise<unknown>>();

/**
 * `make(dir)` once per test run (every spec file gets fresh modules, so the result is recorded
 * as JSON in the run's scratch folder); `dir` is a new folder for it to fill.
 */
function oncePerRun<T>(name: string, make: (dir: string) => Promise<T>): Promise<T> {
  let value = made.get(name) as Promise<T> | undefined;
  if (!value) {
    value = (async () => {
      const record = join(scratch(), `${name}.json`);
      if (process.env[TMP_ENV] && existsSync(record)) return JSON.parse(await readFile(record, 'utf8')) as T;
      const result = await make(await mkdtemp(join(scratch(), `${name}-`)));
      if (process.env[TMP_ENV]) await writeFile(record, JSON.stringify(result));
      return result;
    })();
    value.catch(() => made.delete(name));
    made.set(name, value);
  }
  return value;
}
