import type { DataSource } from 'typeorm';
import { statusIndexTerm } from '../../entities/columns.js';
import { Run } from '../../entities/index.js';
import type { RunFilter } from '../../service/views.js';
import { FAILED_RUN_STATUSES, RUN_STATUSES, type RunStatus } from '../../types.js';
import { applyBounds, keysetPage, type Bounds, type Page, type PageRequest } from './keyset.js';
import { searches, searchRuns, type Search } from './search.js';

/** The run statuses in their one order, and those counted as failures (both from lib/types.ts). */
export { FAILED_RUN_STATUSES, RUN_STATUSES };

/**
 * The Activity page's filter: `SchedulerService.runs()`'s {@link RunFilter} with one status at
 * most (each status is its own index walk), and no limit (pages are read by keyset).
 */
export type RunListFilter = Omit<RunFilter, 'status' | 'limit'> & { status?: RunStatus } & Search;

/** Output, result and traceback are read only when a run is opened. */
export const RUN_LIST_COLUMNS = [
  'id',
  'taskId',
  'jobName',
  'status',
  'worker',
  'attempt',
  'scheduledFor',
  'startTime',
  'stopTime',
  'durationMs',
  'message',
  'runAs',
] as const;

export type RunRow = Pick<Run, (typeof RUN_LIST_COLUMNS)[number]>;

/**
 * One page of the Activity log. Indexes: `kronos_run_status (status, id)` (every status but
 * COMPLETED, most of the log), `kronos_run_job (job_name, id)`, `kronos_run_task (task_id)`.
 * Status and job together, COMPLETED alone, and the search fields (`Search`) have no index, so
 * they search a bounded range of ids per page.
 */
export async function listRuns(
  dataSource: DataSource,
  filter: RunListFilter,
  page: PageRequest,
): Promise<Page<RunRow>> {
  const fetch = (bounds: Bounds): Promise<RunRow[]> => {
    const qb = dataSource
      .getRepository(Run)
      .createQueryBuilder('r')
      .select(RUN_LIST_COLUMNS.map((c) => `r.${c}`));
    if (filter.taskId !== undefined) qb.andWhere('r.taskId = :taskId', { taskId: filter.taskId });
    if (filter.status !== undefined) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.status !== undefined && filter.status !== 'COMPLETED') qb.andWhere(statusIndexTerm('r'));
    if (filter.job !== undefined) qb.andWhere('r.jobName = :job', { job: filter.job });
    searchRuns(dataSource, qb, filter);
    return applyBounds(qb, 'r', bounds).getMany();
  };
  const unindexed =
    filter.taskId === undefined &&
    (searches(filter) || (filter.status !== undefined && (filter.job !== undefined || filter.status === 'COMPLETED')));
  return keysetPage(page, fetch, unindexed ? () => highestRunId(dataSource) : undefined);
}

export async function highestRunId(dataSource: DataSource): Promise<number> {
  const row = await dataSource
    .getRepository(Run)
    .createQueryBuilder('r')
    .select('MAX(r.id)', 'max')
    .getRawOne<{ max: string | number | null }>();
  return Number(row?.max ?? 0);
}
