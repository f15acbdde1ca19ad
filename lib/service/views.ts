import type { Run, Task } from '../entities/index.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import type { JobKind, RunStatus, TaskStatus } from '../types.js';

/** `SchedulerService.status()`: the task with its latest recorded run. */
export interface TaskStatusView {
  /** The task row; while it runs, `progress`, `progressMessage` and `output` are live. */
  task: Task;
  /** The most recent finished attempt, or null. */
  latestRun: Run | null;
}

/** Filter of `SchedulerService.runs()` (newest first), and of the dashboard's Activity page. */
export interface RunFilter {
  job?: string;
  taskId?: number;
  status?: RunStatus | RunStatus[];
  /** Default 50, at most 1000. */
  limit?: number;
}

/** One job as `listJobs()` reports it. */
export interface JobInfo {
  name: string;
  kind: JobKind;
  description: string | null;
  group: string;
  active: boolean;
  /** In the database but no longer declared in code: never run. */
  missing: boolean;
  /** Where the definition comes from: `'code'` (decorators) or `'ini'` (the `configFile`). */
  source: 'code' | 'ini';
  schedule: NormalizedSchedule | null;
  /** The schedule in words, e.g. "every Sunday at 23:30 Europe/Berlin". */
  scheduleDescription: string | null;
  timezone: string | null;
  /** Recurring jobs: when the next slot is due (epoch ms). */
  nextRunTime: number | null;
  nextRunStatus: TaskStatus | null;
  lastRun: { status: RunStatus; startTime: number; stopTime: number | null } | null;
  /** Payload fields marked `sensitive` in the job's options (empty for a job missing from code). */
  sensitive: string[];
  /**
   * The attempt timeout of the job's tasks (a task enqueued with its own `timeout` keeps that),
   * and where it comes from: the job's `timeout` option or the module's `defaultTimeout`. Null
   * for a job missing from code.
   */
  timeout: { ms: number; from: 'job' | 'module' } | null;
}
