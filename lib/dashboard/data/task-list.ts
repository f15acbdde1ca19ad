import type { DataSource } from 'typeorm';
import { statusIndexTerm } from '../../entities/columns.js';
import { Task } from '../../entities/index.js';
import { TASK_STATUSES, type TaskStatus } from '../../types.js';
import { applyBounds, keysetPage, mergeById, type Bounds, type Page, type PageRequest } from './keyset.js';
import { searches, searchTasks, type Search } from './search.js';

/** The task statuses in their one order (lib/types.ts), as the dashboard's filter offers them. */
export { TASK_STATUSES };

/** The Tasks page's filter: a status, a job, and the search fields (`Search`). */
export interface TaskFilter extends Search {
  status?: TaskStatus;
  job?: string;
  group?: string;
}

/** The columns a list shows; payload and output stay in the database until a task is opened. */
const LIST_COLUMNS = [
  'id',
  'uuid',
  'jobName',
  'status',
  'group',
  'priority',
  'nextRunTime',
  'attempt',
  'retries',
  'timesRun',
  'timesFailed',
  'assignedWorker',
  'runAs',
  'progress',
  'progressMessage',
  'stopRequested',
  'createdAt',
  'updatedAt',
] as const;

export type TaskRow = Pick<Task, (typeof LIST_COLUMNS)[number]>;

/**
 * One page of tasks. Indexes: no filter walks the primary key, a status walks
 * `kronos_task_status (status, id)`, a job with a status walks `kronos_task_job_status`. A job
 * alone is one such walk per status, merged (each stops after a page). Group and the other
 * search fields (`Search`) have no index of their own, and COMPLETED tasks are left out of the status index (they are most of the table, and
 * every completion would pay for the entry), so those filters search a bounded range of ids per
 * page.
 */
export async function listTasks(dataSource: DataSource, filter: TaskFilter, page: PageRequest): Promise<Page<TaskRow>> {
  const repo = dataSource.getRepository(Task);
  const fetchOne = (bounds: Bounds, status: TaskStatus | undefined): Promise<TaskRow[]> => {
    const qb = repo.createQueryBuilder('t').select(LIST_COLUMNS.map((c) => `t.${c}`));
    if (status) qb.andWhere('t.status = :status', { status });
    if (status && status !== 'COMPLETED') qb.andWhere(statusIndexTerm('t'));
    if (filter.job !== undefined) qb.andWhere('t.jobName = :job', { job: filter.job });
    searchTasks(dataSource, qb, filter);
    return applyBounds(qb, 't', bounds).getMany();
  };
  const fetch = async (bounds: Bounds): Promise<TaskRow[]> => {
    if (filter.job === undefined || filter.status !== undefined) return fetchOne(bounds, filter.status);
    return mergeById(await Promise.all(TASK_STATUSES.map((status) => fetchOne(bounds, status))), bounds);
  };
  const unindexed = searches(filter) || (filter.status === 'COMPLETED' && filter.job === undefined);
  const maxId = unindexed ? () => highestId(dataSource) : undefined;
  return keysetPage(page, fetch, maxId);
}

async function highestId(dataSource: DataSource): Promise<number> {
  const row = await dataSource
    .getRepository(Task)
    .createQueryBuilder('t')
    .select('MAX(t.id)', 'max')
    .getRawOne<{ max: string | number | null }>();
  return Number(row?.max ?? 0);
}

/** The due QUEUED task waiting longest (read through the partial claim index). */
export async function longestWaiting(
  dataSource: DataSource,
  now: number,
): Promise<{ id: number; since: number } | null> {
  const task = await dataSource
    .getRepository(Task)
    .createQueryBuilder('t')
    .select(['t.id', 't.nextRunTime'])
    .where("t.status = 'QUEUED'")
    .andWhere('t.nextRunTime <= :now', { now })
    .orderBy('t.nextRunTime', 'ASC')
    .addOrderBy('t.id', 'ASC')
    .limit(1)
    .getOne();
  return task ? { id: task.id, since: task.nextRunTime } : null;
}
