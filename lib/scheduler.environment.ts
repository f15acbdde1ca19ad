import { InvalidSchedulerOptionError } from './errors.js';
import type { SchedulerModuleOptions, WorkerOptions } from './scheduler.options.js';

/**
 * Environment variables that override the `worker` option, read once at start-up. They let the
 * `kronos` command and service files decide whether a process runs a worker, and for which
 * groups, without touching the application's code:
 * - `KRONOS_WORKER=off` runs no worker; `KRONOS_WORKER=on` runs one even under `worker: false`;
 * - `KRONOS_WORKER_GROUPS=a,b` and `KRONOS_WORKER_CONCURRENCY=n` replace those two settings.
 */
export const KRONOS_WORKER_ENV = {
  switch: 'KRONOS_WORKER',
  groups: 'KRONOS_WORKER_GROUPS',
  concurrency: 'KRONOS_WORKER_CONCURRENCY',
} as const;

const ON = ['on', 'true', '1'];
const OFF = ['off', 'false', '0'];

/** The `worker` option after the environment's overrides. */
export function workerFromEnvironment(
  worker: SchedulerModuleOptions['worker'],
  env: NodeJS.ProcessEnv,
): SchedulerModuleOptions['worker'] {
  const switched = env[KRONOS_WORKER_ENV.switch]?.trim().toLowerCase() || undefined;
  if (switched !== undefined && !ON.includes(switched) && !OFF.includes(switched)) {
    throw new InvalidSchedulerOptionError(KRONOS_WORKER_ENV.switch, env[KRONOS_WORKER_ENV.switch], 'must be on or off');
  }
  if (switched !== undefined && OFF.includes(switched)) return false;
  if (worker === false && switched === undefined) return false;
  const result: WorkerOptions = { ...(worker || {}) };
  const groups = env[KRONOS_WORKER_ENV.groups]?.trim();
  if (groups)
    result.groups = groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
  const concurrency = env[KRONOS_WORKER_ENV.concurrency]?.trim();
  if (concurrency) {
    result.concurrency = Number(concurrency);
    if (!Number.isInteger(result.concurrency) || result.concurrency <= 0) {
      throw new InvalidSchedulerOptionError(KRONOS_WORKER_ENV.concurrency, concurrency, 'must be a positive integer');
    }
  }
  return result;
}
