/**
 * The package as users receive it: the library compiled by `tsconfig.package.json` (what
 * `npm pack`/`npm publish` build through the `prepack` script) next to the repository's
 * package.json, README and CHANGELOG, packed by the real `npm pack` into a `.tgz`.
 *
 * Everything happens in a folder of the run's scratch folder (never in the repository's dist),
 * and the tarball is built once per test run: every spec file gets fresh modules, so a file in
 * the scratch folder remembers it, and a lock folder keeps two callers from building at once.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TMP_ENV } from './settings.js';

const run = promisify(execFile);
const ROOT = process.cwd();
/** Files of the repository root that the package ships when they exist (besides `files`). */
const ROOT_FILES = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md'];
const BUILD_TIMEOUT_MS = 5 * 60_000;

let pending: Promise<string> | undefined;

/**
 * Absolute path of `nestjs-kronos-<version>.tgz`, packed from the current sources. The first
 * call of a test run builds it (a few seconds); later calls, from any spec file, return the same file.
 */
export async function packedTarball(): Promise<string> {
  pending ??= cachedOrBuilt().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function cachedOrBuilt(): Promise<string> {
  const scratch = process.env[TMP_ENV];
  const dir = scratch ? join(scratch, 'packed-package') : await mkdtemp(join(tmpdir(), 'kronos-packed-'));
  const record = join(dir, 'tarball.json');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    const done = await recorded(record);
    if (done) return done;
    if (await acquired(lock)) break;
    if (Date.now() > deadline)
      throw new Error(`packedTarball: ${lock} is still held after ${BUILD_TIMEOUT_MS / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    const tarball = await buildAndPack(dir);
    await writeFile(record, JSON.stringify({ tarball }));
    return tarball;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function recorded(record: string): Promise<string | undefined> {
  const text = await readFile(record, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const { tarball } = JSON.parse(text) as { tarball: string };
  return (await stat(tarball).catch(() => null)) ? tarball : undefined;
}

async function acquired(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Compile into `<dir>/stage/dist`, copy the root files beside it, then `npm pack` into `dir`. */
async function buildAndPack(dir: string): Promise<string> {
  const stage = join(dir, 'stage');
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  for (const file of ROOT_FILES) {
    await copyFile(join(ROOT, file), join(stage, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.package.json'), '--outDir', join(stage, 'dist')], {
    cwd: ROOT,
    timeout: BUILD_TIMEOUT_MS,
  }).catch((error: Error & { stdout?: string }) => {
    throw new Error(`packedTarball: tsc -p tsconfig.package.json failed\n${error.stdout ?? ''}${error.message}`);
  });
  // The build above is what the prepack script does; --ignore-scripts keeps npm from running it in the stage.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: stage,
    timeout: BUILD_TIMEOUT_MS,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  return resolve(dir, packed.filename);
}
