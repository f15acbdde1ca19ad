import { In, IsNull, LessThan, Not, Like, type DataSource, type FindOptionsWhere } from 'typeorm';
import { Run, Task } from '../entities/index.js';
import { SCHEDULED_TASK_UUID_LIKE } from '../scheduled-task-uuid.js';
import { flowTables } from '../migrations/flow-tables.js';
import { noWaitingDependents } from '../storage/bulk-tasks.js';
import type { StorageEngine } from '../storage/engine.js';
import type { HistoryMaintenance } from '../storage/history-maintenance.js';
import { FINISHED_RUN_STATUSES, FINISHED_TASK_STATUSES, type RunStatus, type TaskStatus } from '../types.js';

/** Run statuses that `prune` may delete: every status but RUNNING. */
export const PRUNABLE_RUN_STATUSES: readonly RunStatus[] = FINISHED_RUN_STATUSES;
/** Task statuses that `prune` may delete: finished ones only. */
export const PRUNABLE_TASK_STATUSES: readonly TaskStatus[] = FINISHED_TASK_STATUSES;

export interface PruneOptions {
  /** Delete what is older than this instant (epoch ms): runs by start time, tasks by last update. */
  before: number;
  /** Only rows with these statuses (a run status, a task status or both). Default: every finished status. */
  statuses?: readonly string[];
  /** Rows deleted per statement. Default 1000. */
  batchSize?: number;
  /** Told after each batch, with the totals so far. */
  onProgress?: (done: PruneCounts) => void;
  /** Checked between batches: an aborted prune stops after the current batch. */
  signal?: AbortSignal;
  /**
   * A partitioned run table (PostgreSQL, docs/partitioning.md): when every run status is pruned,
   * the partitions wholly older than `before` are dropped first, then what is left is deleted in
   * batches. Null or absent: batches only.
   */
  history?: HistoryMaintenance | null;
  /**
   * With `history`: leave the rows of the range partitions still kept to their partition's drop,
   * deleting in batches only the older rows the default partition caught (retention does: a run
   * is then kept for at most one partition period longer than `before` says). Default false: every
   * run older than `before` is deleted (`kronos prune`).
   */
  wholePartitionsOnly?: boolean;
}

export interface PruneCounts {
  runs: number;
  tasks: number;
}

/**
 * Which rows a prune deletes. Recurring task rows (one per scheduled job: they carry the
 * schedule) and unfinished tasks are never deleted, whatever their age.
 */
function filters(options: PruneOptions) {
  const wanted = options.statuses ? new Set(options.statuses) : null;
  const runStatuses = PRUNABLE_RUN_STATUSES.filter((s) => !wanted || wanted.has(s));
  const taskStatuses = PRUNABLE_TASK_STATUSES.filter((s) => !wanted || wanted.has(s));
  const runs: FindOptionsWhere<Run> = { startTime: LessThan(options.before), status: In(runStatuses) };
  const tasks: FindOptionsWhere<Task> = {
    updatedAt: LessThan(options.before),
    status: In(taskStatuses),
    schedule: IsNull(),
    uuid: Not(Like(SCHEDULED_TASK_UUID_LIKE)),
  };
  return {
    runs: runStatuses.length ? runs : null,
    tasks: taskStatuses.length ? tasks : null,
    runStatuses,
    taskStatuses,
  };
}

/**
 * How many rows `prune(options)` would delete now: the same filters, and for tasks the same rule
 * that keeps a task another task still waits for (`noWaitingDependents`), so the dry run of the
 * dashboard's clean-up and `kronos prune` announce what the prune then deletes.
 */
export async function countPrunable(dataSource: DataSource, options: PruneOptions): Promise<PruneCounts> {
  const where = filters(options);
  return {
    runs: where.runs ? await dataSource.getRepository(Run).countBy(where.runs) : 0,
    tasks: where.tasks ? await countPrunableTasks(dataSource, where.tasks) : 0,
  };
}

/** Finished tasks matching `where` that no WAITING task depends on. */
async function countPrunableTasks(dataSource: DataSource, where: FindOptionsWhere<Task>): Promise<number> {
  const repo = dataSource.getRepository(Task);
  const { driver } = dataSource;
  const task = repo.metadata.tablePath
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');
  const flow = { task, run: '', ...flowTables(task) };
  // The shared condition is written with double quotes; MySQL quotes names with backticks.
  const quote = (sql: string) =>
    driver.options.type === 'mysql' || driver.options.type === 'mariadb' ? sql.replaceAll('"', '`') : sql;
  return repo
    .createQueryBuilder('tk')
    .where(where)
    .andWhere(quote(noWaitingDependents(flow, driver.escape('tk'))))
    .getCount();
}

/**
 * Delete old runs, then old finished tasks, in batches of `batchSize` rows (`StorageEngine.pruneBatch`:
 * one short statement, or a plain read of the ids then a delete by primary key), so no statement
 * holds locks for long and a big backlog never blocks workers. The batches go up the ids, each
 * from where the last one stopped, so a batch costs the same however many went before it.
 */
export async function prune(engine: StorageEngine, options: PruneOptions): Promise<PruneCounts> {
  const where = filters(options);
  const batchSize = options.batchSize ?? 1000;
  const done: PruneCounts = { runs: 0, tasks: 0 };
  const steps: [keyof PruneCounts, readonly string[]][] = [
    ['runs', where.runs ? where.runStatuses : []],
    ['tasks', where.tasks ? where.taskStatuses : []],
  ];
  let runsBefore = options.before;
  if (options.history && where.runStatuses.length === PRUNABLE_RUN_STATUSES.length && !options.signal?.aborted) {
    const dropped = await options.history.dropPartitions(options.before);
    if (dropped) {
      done.runs += dropped.runs;
      if (dropped.partitions.length > 0) options.onProgress?.({ ...done });
      if (options.wholePartitionsOnly && dropped.keptFrom !== null) runsBefore = Math.min(runsBefore, dropped.keptFrom);
    }
  }
  for (const [key, statuses] of steps) {
    if (statuses.length === 0) continue;
    const before = key === 'runs' ? runsBefore : options.before;
    // Each batch resumes after the last id the one before deleted: rows that become prunable
    // behind it meanwhile (a transaction that took a lower id and committed later) are the next
    // prune's.
    let afterId = 0;
    for (;;) {
      if (options.signal?.aborted) return done;
      const batch = await engine.pruneBatch(key, { before, statuses, afterId }, batchSize);
      if (batch.deleted === 0) break;
      done[key] += batch.deleted;
      afterId = Math.max(afterId, batch.lastId);
      options.onProgress?.({ ...done });
      if (batch.deleted < batchSize) break;
    }
  }
  return done;
}
