import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SchedulerModuleOptions } from '../../lib/index.js';
import { ISOLATION_DB_ENV, ISOLATION_PROVIDERS, UsersDirectory } from '../fixtures/isolation-jobs.js';
import { buildFixtures } from '../support/processes.js';
import { TMP_ENV } from '../support/settings.js';
import { bootApp, FAST_WORKER, type TestApp, type TestDatabase } from '../support/test-app.js';

/** The compiled fixture application and Kronos entry script the child processes run. */
export const FIXTURE_APP = resolve('.build/test/fixtures/isolation-app.module.js');
export const CHILD_ENTRY = resolve('.build/lib/isolation/child-main.js');

/**
 * Boot a worker (in the test process) whose jobs run in isolation child processes booting the
 * compiled fixture application on the same database.
 */
export async function bootIsolatedApp(
  db: TestDatabase,
  isolation: Partial<NonNullable<SchedulerModuleOptions['isolation']>> = {},
  options: SchedulerModuleOptions = {},
): Promise<TestApp> {
  buildFixtures();
  process.env[ISOLATION_DB_ENV] = JSON.stringify(db.options);
  return bootApp(db, ISOLATION_PROVIDERS, {
    impersonation: { resolver: UsersDirectory },
    worker: { ...FAST_WORKER, concurrency: 4 },
    ...options,
    isolation: {
      appModule: { path: FIXTURE_APP, export: 'IsolationAppModule' },
      entry: CHILD_ENTRY,
      killGrace: 1000,
      poolSize: 2,
      logLevels: process.env.KRONOS_TEST_LOGS ? undefined : ['error'],
      ...isolation,
    },
  });
}

/** Live processes started from Kronos' child entry script whose parent is this process (Linux /proc). */
export function isolationChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || fields[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('child-main.js')) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A path that does not exist yet; creating the file releases a waiting handler. */
export function releaseFile(): string {
  const dir = mkdtempSync(join(process.env[TMP_ENV] || tmpdir(), 'kronos-isolation-'));
  const path = join(dir, 'release');
  if (existsSync(path)) throw new Error('release file exists already');
  return path;
}
