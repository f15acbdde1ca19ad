import type { DataSource } from 'typeorm';
import { JobDefinition, Task } from '../entities/index.js';
import { InvalidGroupError } from '../errors.js';
import { groupRateTable } from '../migrations/group-table.js';
import { migrationTables } from '../migrations/migration-tables.js';
import type { ResolvedGroupRates } from '../registry/group-options.js';
import { rateState } from '../storage/rate-window.js';
import type { StorageEngine } from '../storage/engine.js';
import { listWorkers } from './worker-commands.js';

/** One group as `SchedulerService.groups()` reports it. */
export interface GroupInfo {
  name: string;
  /** Paused by `pauseGroup`: no worker claims its tasks until `resumeGroup`. */
  paused: boolean;
  /** When it was paused (epoch ms), and by whom when known; null while not paused. */
  pausedAt: number | null;
  pausedBy: string | null;
  /** Its QUEUED and RUNNING tasks now. */
  queued: number;
  running: number;
  /** Names of the live workers serving it. */
  workers: string[];
  /**
   * Its rate limit as this application declares it (`groups: { name: { rateLimit } }`): at most
   * `limit` starts per window of `perMs`, with `used` the starts counted in the current window
   * across the cluster; null when it has none.
   */
  rateLimit: { limit: number; perMs: number; used: number } | null;
}

/** A group name as tasks carry it, or an `InvalidGroupError` naming the value. */
export function requireGroup(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 64) throw new InvalidGroupError(value);
  return value;
}

/**
 * Every group known to the cluster (declared by a job, served by a worker, holding unfinished
 * tasks, paused, or given a rate limit), by name, with its paused state and its QUEUED and RUNNING
 * counts (one grouped count over the unfinished tasks, which the partial status index serves),
 * and its rate limit with the starts counted in the current window.
 */
export async function listGroups(
  dataSource: DataSource,
  engine: StorageEngine,
  now: number,
  rates: ResolvedGroupRates = new Map(),
): Promise<GroupInfo[]> {
  const [paused, workers, jobs, counts, windows] = await Promise.all([
    engine.pausedGroups(),
    listWorkers(dataSource, now),
    dataSource
      .getRepository(JobDefinition)
      .createQueryBuilder('j')
      .select('DISTINCT j.group', 'group')
      .getRawMany<{ group: string }>(),
    dataSource
      .getRepository(Task)
      .createQueryBuilder('t')
      .select('t.group', 'group')
      .addSelect('t.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('t.status IN (:...statuses)', { statuses: ['QUEUED', 'RUNNING'] })
      .groupBy('t.group')
      .addGroupBy('t.status')
      .getRawMany<{ group: string; status: string; n: string | number }>(),
    rates.size > 0 ? rateWindows(dataSource) : [],
  ]);
  const groups = new Map<string, GroupInfo>();
  const group = (name: string): GroupInfo => {
    let info = groups.get(name);
    if (!info)
      groups.set(
        name,
        (info = {
          name,
          paused: false,
          pausedAt: null,
          pausedBy: null,
          queued: 0,
          running: 0,
          workers: [],
          rateLimit: null,
        }),
      );
    return info;
  };
  for (const j of jobs) group(j.group);
  for (const w of workers) for (const g of w.groups) group(g).workers.push(w.name);
  for (const c of counts) group(c.group)[c.status === 'QUEUED' ? 'queued' : 'running'] += Number(c.n);
  for (const p of paused) Object.assign(group(p.name), { paused: true, pausedAt: p.pausedAt, pausedBy: p.pausedBy });
  for (const [name, rate] of rates) {
    const stored = windows.find((w) => w.name === name);
    const { used } = rateState(rate, now, stored?.rate_window ?? null, stored?.rate_count ?? 0);
    group(name).rateLimit = { limit: rate.limit, perMs: rate.perMs, used };
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The stored windows of rate-limited groups (a read of `kronos_task_group_rate`, named after the task table). */
async function rateWindows(
  dataSource: DataSource,
): Promise<{ name: string; rate_window: string | number | null; rate_count: string | number }[]> {
  const type = dataSource.options.type;
  const task = migrationTables(
    { connection: dataSource },
    (name) => dataSource.driver.escape(name),
    type === 'mysql' || type === 'mariadb' ? 'database' : 'schema',
  ).task;
  return dataSource.query(`SELECT name, rate_window, rate_count FROM ${groupRateTable(task)}`);
}
