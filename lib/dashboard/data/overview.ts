import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { Run } from '../../entities/index.js';
import { statusIndexTerm } from '../../entities/columns.js';
import { FAILED_RUN_STATUSES } from './run-list.js';
import { cappedTaskCounts, COUNT_CAP, type TaskCounts } from '../../service/overview.js';
import { longestWaiting } from './task-list.js';

const HOUR = 3_600_000;
/** Task counts stop at this many per status (the same cap as `kronos status`). */
export { COUNT_CAP };

export interface ActivityBucket {
  start: number;
  runs: number;
  failed: number;
}

export interface Overview {
  /** Capped: see `cappedTaskCounts` (lib/service/overview.ts), which `kronos status` reads too. */
  taskCounts: TaskCounts;
  lastHour: { runs: number; failed: number };
  lastDay: { runs: number; failed: number };
  /** 24 hourly buckets, oldest first; the last one is the current hour ("last 24 h" is their sum). */
  hourly: ActivityBucket[];
  longestWaiting: { id: number; since: number } | null;
  /** Run totals were read off id ranges (a busy day), not counted. */
  approximate: boolean;
}

/** Below this many runs in the last day, totals are counted; above, they are read off the ids. */
const EXACT_COUNT_LIMIT = 20_000;

/**
 * Runs are inserted when their attempt ends, so ids follow end times (within the few
 * milliseconds a write batch spans). A binary search over the primary key, about 20 indexed
 * look-ups for a million runs, finds where a time window starts without an index on stop_time;
 * `lo`..`hi` narrows it. Returns the first id that ended at or after `since`, or `hi + 1`.
 */
export async function firstIdEndedSince(
  dataSource: DataSource,
  since: number,
  lo: number,
  hi: number,
): Promise<number> {
  const repo = dataSource.getRepository(Run);
  const at = (id: number) =>
    repo
      .createQueryBuilder('r')
      .select(['r.id', 'r.startTime', 'r.stopTime'])
      .where('r.id >= :id', { id })
      .orderBy('r.id', 'ASC')
      .limit(1)
      .getOne();
  let best = hi + 1;
  let top = hi;
  // The answer is `best` or an id in [lo, top]; ids between a probe and the row found are gaps.
  while (lo <= top) {
    const mid = Math.floor((lo + top) / 2);
    const probe = await at(mid);
    if (probe && probe.id <= top && (probe.stopTime ?? probe.startTime) < since) {
      lo = probe.id + 1;
    } else {
      if (probe && probe.id <= top) best = probe.id;
      top = mid - 1;
    }
  }
  return best;
}

/**
 * Where past hours start in the run table. Once later runs exist, an hour's first id no longer
 * changes, so a refresh searches only for the boundaries that are new since the last one.
 */
export class RunBoundaries {
  private readonly ids = new Map<number, number>();

  get(time: number): number | undefined {
    return this.ids.get(time);
  }

  remember(time: number, id: number, maxId: number, now: number): void {
    if (id <= maxId && time < now - 60_000) this.ids.set(time, id);
    for (const known of this.ids.keys()) if (known < now - 25 * HOUR) this.ids.delete(known);
  }
}

/** `SUM(CASE ...)` of rows per id range [bounds[i], bounds[i + 1]), over the rows `where` selects. */
export async function countPerIdRange(
  dataSource: DataSource,
  bounds: number[],
  where: (qb: SelectQueryBuilder<Run>) => void,
): Promise<number[]> {
  const qb = dataSource
    .getRepository(Run)
    .createQueryBuilder('r')
    .select('COUNT(*)', 'total')
    .where('r.id >= :from', { from: bounds[0] });
  where(qb);
  for (let i = 0; i + 1 < bounds.length; i++) {
    qb.addSelect(`SUM(CASE WHEN r.id >= :lo${i} AND r.id < :hi${i} THEN 1 ELSE 0 END)`, `c${i}`).setParameters({
      [`lo${i}`]: bounds[i],
      [`hi${i}`]: bounds[i + 1],
    });
  }
  const row = (await qb.getRawOne<Record<string, unknown>>()) ?? {};
  return bounds.slice(1).map((_, i) => Number(row[`c${i}`] ?? 0));
}

/**
 * Runs and failures per hour over the last day. Failures are counted through the status
 * index; totals too while the day holds few runs, and beyond that read off the id range
 * (exact but for ids lost to rolled-back inserts).
 */
export async function hourlyActivity(
  dataSource: DataSource,
  now: number,
  boundaries = new RunBoundaries(),
): Promise<Pick<Overview, 'hourly' | 'lastHour' | 'lastDay' | 'approximate'>> {
  const firstHour = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
  const starts = Array.from({ length: 24 }, (_, i) => firstHour + i * HOUR);
  // Two queries: SQLite reads MIN or MAX off the index only when it is alone in the query.
  const edge = (fn: 'MIN' | 'MAX') =>
    dataSource.getRepository(Run).createQueryBuilder('r').select(`${fn}(r.id)`, 'id').getRawOne<{ id: unknown }>();
  const range = { lo: (await edge('MIN'))?.id, hi: (await edge('MAX'))?.id };
  if (range.hi === null || range.hi === undefined) {
    return {
      hourly: starts.map((start) => ({ start, runs: 0, failed: 0 })),
      lastHour: { runs: 0, failed: 0 },
      lastDay: { runs: 0, failed: 0 },
      approximate: false,
    };
  }
  const maxId = Number(range.hi);
  // Window starts in time order: the 24 hours, with "an hour ago" between the last two.
  const times = [...starts.slice(0, 23), now - HOUR, starts[23]];
  const ids: number[] = [];
  let lo = Number(range.lo);
  for (const time of times) {
    const known = boundaries.get(time);
    lo = known ?? (await firstIdEndedSince(dataSource, time, lo, maxId));
    boundaries.remember(time, lo, maxId, now);
    ids.push(lo);
  }
  const hourStart = ids.splice(23, 1)[0];
  const bounds = [...ids, maxId + 1];
  const failedIn = (qb: SelectQueryBuilder<Run>) =>
    void qb
      .andWhere('r.status IN (:...failedStatuses)', { failedStatuses: FAILED_RUN_STATUSES })
      .andWhere(statusIndexTerm('r'));
  const approximate = maxId + 1 - bounds[0] > EXACT_COUNT_LIMIT;
  const runs = approximate
    ? bounds.slice(1).map((b, i) => b - bounds[i])
    : await countPerIdRange(dataSource, bounds, () => undefined);
  const failed = await countPerIdRange(dataSource, bounds, failedIn);
  const [hourFailed] = await countPerIdRange(dataSource, [hourStart, maxId + 1], failedIn);
  const [hourRuns] = approximate
    ? [maxId + 1 - hourStart]
    : await countPerIdRange(dataSource, [hourStart, maxId + 1], () => undefined);
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  return {
    hourly: starts.map((start, i) => ({ start, runs: runs[i], failed: failed[i] })),
    lastHour: { runs: hourRuns, failed: hourFailed },
    lastDay: { runs: sum(runs), failed: sum(failed) },
    approximate,
  };
}

export async function loadOverview(dataSource: DataSource, now: number, boundaries?: RunBoundaries): Promise<Overview> {
  const taskCounts = await cappedTaskCounts(dataSource, COUNT_CAP);
  const activity = await hourlyActivity(dataSource, now, boundaries);
  return { taskCounts, ...activity, longestWaiting: await longestWaiting(dataSource, now) };
}
