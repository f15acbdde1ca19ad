import { FINISHED_RUN_STATUSES, type RunStatus } from '../types.js';

/**
 * A recorded run as the cluster-event feed reads it (`StorageEngine.runsAfter`), with the number
 * of retries of its task (to tell a retried attempt from a final one).
 */
export interface RecordedRun {
  id: number;
  taskId: number;
  jobName: string;
  status: RunStatus;
  attempt: number;
  worker: string | null;
  runAs: string | null;
  stopTime: number | null;
  /** The task's `retries` (null when the task row is gone). */
  retries: number | null;
}

/** The columns every dialect selects, `r` being the run table and `t` the task table. */
export const RUN_FEED_COLUMNS = (q: (name: string) => string) =>
  ['r.id', 'r.task_id', 'r.job_name', 'r.status', 'r.attempt', 'r.worker', 'r.run_as', 'r.stop_time', 't.retries']
    .map((c) => c.replace(/\.(\w+)$/, (_m, n: string) => `.${q(n)}`))
    .join(', ');

/** A row of the feed query, any dialect (numbers may come back as strings). */
export function recordedRun(row: Record<string, unknown>): RecordedRun {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: Number(row.id),
    taskId: Number(row.task_id),
    jobName: String(row.job_name),
    status: row.status as RunStatus,
    attempt: Number(row.attempt),
    worker: (row.worker as string | null) ?? null,
    runAs: (row.run_as as string | null) ?? null,
    stopTime: n(row.stop_time),
    retries: n(row.retries),
  };
}

/** Runs still RUNNING are not events: the feed reads finished runs only. */
export const FINISHED = FINISHED_RUN_STATUSES.map((s) => `'${s}'`).join(', ');
