import type { DataSource } from 'typeorm';
import { statusIndexTerm } from '../entities/columns.js';
import { Task } from '../entities/index.js';

/** QUEUED or RUNNING tasks of one job in one group. */
export interface BacklogCount {
  status: 'QUEUED' | 'RUNNING';
  job: string;
  group: string;
  count: number;
}

/**
 * The backlog by job and group for the metrics gauges: per status, a grouped count over at most
 * `cap` rows found through the status index (`kronos_task_status`, which leaves COMPLETED history
 * out), so a collection costs the same however long the table or the queue. Past the cap the
 * counts are lower bounds ("at least").
 */
export async function backlogCounts(dataSource: DataSource, cap: number): Promise<BacklogCount[]> {
  const counts: BacklogCount[] = [];
  for (const status of ['QUEUED', 'RUNNING'] as const) {
    const rows = await dataSource
      .createQueryBuilder()
      .select('capped.job_name', 'job')
      .addSelect('capped.group_name', 'grp')
      .addSelect('COUNT(*)', 'n')
      .from(
        (sub) =>
          sub
            .select('t.jobName', 'job_name')
            .addSelect('t.group', 'group_name')
            .from(Task, 't')
            .where('t.status = :status', { status })
            .andWhere(statusIndexTerm('t'))
            .limit(cap),
        'capped',
      )
      .groupBy('capped.job_name')
      .addGroupBy('capped.group_name')
      .getRawMany<{ job: string; grp: string; n: string | number }>();
    for (const row of rows) counts.push({ status, job: row.job, group: row.grp, count: Number(row.n) });
  }
  return counts;
}
