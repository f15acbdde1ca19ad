import type { DataSource } from 'typeorm';
import { statusIndexTerm } from '../entities/columns.js';
import { Task, type JobDefinition } from '../entities/index.js';
import { TASK_STATUSES, type TaskStatus } from '../types.js';

/**
 * The overview's figures, read the same way for the dashboard's Overview page and `kronos status`:
 * task counts per status that stop at {@link COUNT_CAP} (a table of millions of finished tasks
 * costs no more than one of ten thousand), and job counts. Read-only.
 */

/** Task counts stop at this many per status: "10,000+" is as useful as an exact count. */
export const COUNT_CAP = 10_000;

/** Tasks per status, in the order of `TASK_STATUSES`; a count over the cap reads `cap + 1`. */
export type TaskCounts = Map<TaskStatus, number>;

/**
 * Tasks per status, reading at most `cap + 1` rows for each: index entries of
 * `kronos_task_status (status, id)`, or for COMPLETED (left out of that index) a scan that stops
 * there. Never a `GROUP BY` over the whole table.
 */
export async function cappedTaskCounts(dataSource: DataSource, cap = COUNT_CAP): Promise<TaskCounts> {
  const counts: TaskCounts = new Map();
  for (const status of TASK_STATUSES) {
    const row = await dataSource
      .createQueryBuilder()
      .select('COUNT(*)', 'n')
      .from((sub) => {
        sub.select('t.id', 'id').from(Task, 't').where('t.status = :status', { status });
        if (status !== 'COMPLETED') sub.andWhere(statusIndexTerm('t'));
        return sub.limit(cap + 1);
      }, 'capped')
      .getRawOne<{ n: string | number }>();
    counts.set(status, Number(row?.n ?? 0));
  }
  return counts;
}

/** A count as people read it: `1,234`, or `10,000+` past the cap. */
export const formatCount = (n: number, cap?: number): string =>
  cap !== undefined && n > cap ? `${cap.toLocaleString('en-US')}+` : n.toLocaleString('en-US');

/** How many jobs are stored, and how many of them run, are switched off, or are gone from the code. */
export interface JobCounts {
  total: number;
  active: number;
  inactive: number;
  missing: number;
}

/** {@link JobCounts} of the stored definitions (a small table, read whole). */
export function jobCounts(definitions: readonly JobDefinition[]): JobCounts {
  return {
    total: definitions.length,
    active: definitions.filter((d) => d.active && !d.missing).length,
    inactive: definitions.filter((d) => !d.active && !d.missing).length,
    missing: definitions.filter((d) => d.missing).length,
  };
}
