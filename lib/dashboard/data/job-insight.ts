import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { statusIndexTerm } from '../../entities/columns.js';
import { Run } from '../../entities/index.js';
import { countPerIdRange, firstIdEndedSince, type ActivityBucket, type RunBoundaries } from './overview.js';
import { FAILED_RUN_STATUSES, highestRunId, RUN_LIST_COLUMNS, type RunRow } from './run-list.js';

const HOUR = 3_600_000;
/** Durations and waits are read off this many latest runs of the job. */
export const INSIGHT_SAMPLE = 1000;

/** What the job page shows about a job's runs. */
export interface JobInsight {
  /** 24 hourly buckets of this job's runs, oldest first (the last is the current hour). */
  hourly: ActivityBucket[];
  lastDay: { runs: number; failed: number };
  /** Over the latest `sample` finished runs. */
  sample: number;
  duration: { p50: number; p95: number; max: number } | null;
  /** Average time from due (`scheduled_for`) to start over the same runs. */
  averageWaitMs: number | null;
  lastError: RunRow | null;
}

/** The value below which `p` of the sorted values lie (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * A job's runs over the last day and its latest runs. Hours are found as on the overview (ids
 * follow end times: a binary search over the primary key, boundaries shared with it), then
 * counted per id range through `kronos_run_job (job_name, id)`; durations and waits come from
 * the latest runs of the job, read through the same index.
 */
export async function loadJobInsight(
  dataSource: DataSource,
  job: string,
  now: number,
  boundaries: RunBoundaries,
): Promise<JobInsight> {
  const firstHour = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
  const starts = Array.from({ length: 24 }, (_, i) => firstHour + i * HOUR);
  const maxId = await highestRunId(dataSource);
  const ofJob = (qb: SelectQueryBuilder<Run>) => void qb.andWhere('r.jobName = :job', { job });
  let runs = starts.map(() => 0);
  let failed = starts.map(() => 0);
  if (maxId > 0) {
    const ids: number[] = [];
    let lo = 1;
    for (const start of starts) {
      lo = boundaries.get(start) ?? (await firstIdEndedSince(dataSource, start, lo, maxId));
      boundaries.remember(start, lo, maxId, now);
      ids.push(lo);
    }
    const bounds = [...ids, maxId + 1];
    runs = await countPerIdRange(dataSource, bounds, ofJob);
    failed = await countPerIdRange(dataSource, bounds, (qb) => {
      ofJob(qb);
      qb.andWhere('r.status IN (:...failedStatuses)', { failedStatuses: FAILED_RUN_STATUSES });
    });
  }
  const latest = await dataSource
    .getRepository(Run)
    .createQueryBuilder('r')
    .select(['r.id', 'r.durationMs', 'r.scheduledFor', 'r.startTime'])
    .where('r.jobName = :job', { job })
    .andWhere("r.status <> 'RUNNING'")
    .orderBy('r.id', 'DESC')
    .limit(INSIGHT_SAMPLE)
    .getMany();
  const durations = latest
    .map((r) => r.durationMs)
    .filter((d): d is number => d !== null)
    .sort((a, b) => a - b);
  const waits = latest.filter((r) => r.scheduledFor !== null).map((r) => Math.max(0, r.startTime - r.scheduledFor!));
  const lastError = await dataSource
    .getRepository(Run)
    .createQueryBuilder('r')
    .select(RUN_LIST_COLUMNS.map((c) => `r.${c}`))
    .where('r.jobName = :job', { job })
    .andWhere('r.status IN (:...failedStatuses)', { failedStatuses: FAILED_RUN_STATUSES })
    .andWhere(statusIndexTerm('r'))
    .orderBy('r.id', 'DESC')
    .limit(1)
    .getOne();
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  return {
    hourly: starts.map((start, i) => ({ start, runs: runs[i], failed: failed[i] })),
    lastDay: { runs: sum(runs), failed: sum(failed) },
    sample: latest.length,
    duration:
      durations.length === 0
        ? null
        : { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95), max: durations[durations.length - 1] },
    averageWaitMs: waits.length === 0 ? null : Math.round(sum(waits) / waits.length),
    lastError: lastError ?? null,
  };
}
