import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { TestApp } from './test-app.js';

let built = false;

/** Compile the library and the process fixtures once per test run (child processes run plain JS). */
export function buildFixtures(): void {
  if (built) return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.fixtures.json'], {
    stdio: 'inherit',
  });
  built = true;
}

export interface WorkerProcess {
  child: ChildProcess;
  log: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start a real worker process (test/fixtures/worker-process.ts) on `db`; resolves once it is ready. */
export async function startWorkerProcess(
  db: DataSourceOptions,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  buildFixtures();
  const log = join(mkdtempSync(join(tmpdir(), 'kronos-worker-')), 'executions.log');
  const child = fork('.build/test/fixtures/worker-process.js', [], {
    env: { ...process.env, KRONOS_FIXTURE_DB: JSON.stringify(db), KRONOS_FIXTURE_LOG: log, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    void exited.then(({ code }) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
  return { child, log, exited };
}

/** The task ids a worker process executed (one per handler call). */
export function executions(worker: WorkerProcess): number[] {
  if (!existsSync(worker.log)) return [];
  return readFileSync(worker.log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.split(' ')[0]));
}

/** The task ids whose `cluster.varied` handler ran to its end in a worker process (one per return). */
export function finishes(worker: WorkerProcess): number[] {
  const log = `${worker.log}.finished`;
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.split(' ')[0]));
}

/** The worker processes and the (worker-less) application a fleet spec starts in one test. */
export interface Fleet {
  workers: WorkerProcess[];
  web?: TestApp;
}

/** A `Fleet` whose processes are SIGKILLed and whose application is closed after each test. */
export function fleetClosedAfterEach(): Fleet {
  const fleet: Fleet = { workers: [] };
  afterEach(async () => {
    for (const w of fleet.workers) w.child.kill('SIGKILL');
    fleet.workers = [];
    await fleet.web?.close();
    fleet.web = undefined;
  });
  return fleet;
}
