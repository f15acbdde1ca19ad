/**
 * Glossary. Kronos uses these nouns, and only these, everywhere in code and docs.
 *
 * - **job**: a named unit of work a provider method performs, declared with `@Job` (queued on
 *   demand) or `@ScheduledTask` (recurring). Its persisted form is a `JobDefinition` row.
 * - **scheduled task**: a job with a schedule; Kronos keeps exactly one task row for it and
 *   re-queues that row for the next slot after every run.
 * - **task**: one unit of queued work for a job: a payload, a due time, an owner (`runAs`),
 *   limits (timeout, retries) and a status. Its persisted form is a `Task` row.
 * - **run**: one execution attempt of a task, recorded in the Activity log (`Run` row) with its
 *   status, timing, result, message, output and traceback.
 * - **worker**: a process-wide service that claims due tasks from the database and runs them.
 *   Its persisted form is a `Worker` row kept fresh by heartbeats.
 * - **claim token**: a fresh random value written on a task when a worker claims it; every later
 *   write-back is conditional on it (fencing), so a worker that lost its lease writes nothing.
 */

/**
 * Every task status, in the one order Kronos lists them (CLI overview, dashboard filters and
 * counts): waiting, in progress, then the finished states, success first.
 *
 * - `QUEUED`: waiting for its due time (or for a worker once due).
 * - `RUNNING`: claimed by a worker, which holds its lease (claim token). A task a worker claimed
 *   ahead of running it is RUNNING too: web2py's `ASSIGNED` state is deliberately not used, as
 *   marking it would cost one more write per task on the claim path (docs/architecture.md).
 * - `COMPLETED`: a one-off task that succeeded, or a recurring one whose schedule has ended.
 * - `FAILED`: the last attempt failed and no retry remains.
 * - `TIMEOUT`: the last attempt timed out and no retry remains.
 * - `STOPPED`: stopped by `SchedulerService.stop()` (queued, or running and then aborted).
 * - `EXPIRED`: its `stopAt` passed before it could run.
 * - `WAITING`: enqueued with `dependsOn`, not claimable until every dependency has COMPLETED.
 * - `CANCELLED`: a dependency ended without completing (docs/flow-control.md); it never ran.
 */
export const TASK_STATUSES = [
  'WAITING',
  'QUEUED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'STOPPED',
  'EXPIRED',
  'CANCELLED',
] as const;

/** Lifecycle of a task (web2py's scheduler_task states, without `ASSIGNED`): see {@link TASK_STATUSES}. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * Every run status, in the one order Kronos lists them: in progress, then the outcomes, success
 * first. `INTERRUPTED` marks an attempt cut short by a graceful shutdown (the task is re-queued
 * and the attempt is not counted); `LOST` marks an attempt whose worker died.
 */
export const RUN_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'TIMEOUT', 'STOPPED', 'INTERRUPTED', 'LOST'] as const;

/** Outcome of one run: see {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses of a task still to run or running: the ones `SchedulerService.stop()` acts on. */
export const UNFINISHED_TASK_STATUSES = ['WAITING', 'QUEUED', 'RUNNING'] as const satisfies readonly TaskStatus[];

/** Statuses of a finished task, in the order of {@link TASK_STATUSES}. */
export const FINISHED_TASK_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter(
  (s) => s !== 'WAITING' && s !== 'QUEUED' && s !== 'RUNNING',
);

/** Statuses of a finished attempt, in the order of {@link RUN_STATUSES}. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => s !== 'RUNNING');

/** Attempts that did not succeed on their own (failures in the overview, `kronos runs --failed`). */
export const FAILED_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter(
  (s) => s === 'FAILED' || s === 'TIMEOUT' || s === 'LOST',
);

/** `scheduled` jobs recur on a schedule; `queued` jobs run when enqueued. */
export const JOB_KINDS = ['scheduled', 'queued'] as const;

/** `scheduled` jobs recur on a schedule; `queued` jobs run when enqueued. */
export type JobKind = (typeof JOB_KINDS)[number];

/** A duration: milliseconds, or a string such as `'500ms'`, `'30s'`, `'2m'`, `'1h'`, `'1d'`. */
export type Duration = number | string;

/** Options shared by `@Job`, `@ScheduledTask` and `scheduler.ini` sections. */
export interface JobOptions {
  /** Abort the run (status TIMEOUT) after this long. Default: the module's `defaultTimeout`. */
  timeout?: Duration;
  /** How many times a failed or timed-out attempt is retried (exponential back-off). Default 0. */
  retries?: number;
  /** Worker group that may run this job's tasks. Default `'main'`. */
  group?: string;
  /** Higher runs first among due tasks of the same group. Default 0. */
  priority?: number;
  /** Shown in listings and the dashboard. */
  description?: string;
  /**
   * At most this many of the job's tasks run at once across the whole cluster (e.g. 1 for a job
   * that must never overlap itself). Default: no limit.
   */
  concurrency?: number;
  /**
   * At most `limit` of the job's tasks start per `per` (a duration such as `'1s'` or `'1m'`),
   * across the whole cluster: tasks over the limit stay QUEUED and are claimed once a window
   * allows, never failed. Windows are fixed, aligned to multiples of `per` on the database clock
   * (docs/flow-control.md). Default: no limit.
   */
  rateLimit?: { limit: number; per: Duration };
  /**
   * Initial value of the admin toggle. Applied only when the definition is first stored:
   * once an admin activates or deactivates the job, redeploys never change it. Default true.
   */
  active?: boolean;
  /**
   * Payload fields whose values the dashboard shows as `[redacted]`. A plain key (`'password'`)
   * matches that key at any depth; a dotted path (`'card.number'`, `'users.*.token'`) matches
   * from the payload's root, `*` standing for any one key or array index. Default none.
   */
  sensitive?: string[];
  /**
   * Where the handler runs: `'process'` in a child process of the isolation pool (a timeout
   * kills it outright; a crash fails only the run), `'in-process'` in the worker's own process.
   * Default: the module's `isolation.mode` when `isolation` is configured, else `'in-process'`.
   */
  isolation?: 'process' | 'in-process';
  /**
   * A job to hand this job's dead letters to: when a task has failed (or timed out) for the last
   * time, no retry left, a task of that job is queued with a `DeadLetter` payload (the task's id,
   * job, payload and last error), once per task (docs/flow-control.md). Must name a registered
   * job other than this one. Default: none.
   */
  deadLetter?: string;
  /**
   * Run the job as a batch handler: one call receives up to `size` due tasks at once
   * (`(payloads: T[], ctx: BatchContext<T>)`) and returns a result per task, by index; each task
   * keeps its own run, status, retries and dead letter. `wait` (a duration, default 0, at most
   * one minute): how long a worker holding at least one task may wait to gather a fuller batch.
   * Only on `@Job`, in the worker's process (docs/flow-control.md). Default: one task per call.
   */
  batch?: { size: number; wait?: Duration };
  /**
   * Delete a task's row when it completes, keeping its runs: the run history (output, result,
   * timings, who ran it) stays, queryable and pruned like any run, while the task table holds only
   * unfinished and unsuccessful tasks. Completing then costs the database a delete instead of a
   * new row version and its index entries (docs/performance.md). Once deleted, `status(id)` throws
   * `TaskNotFoundError` and the dashboard's task page no longer finds the task; its runs still show.
   *
   * Only a task that completes for good is deleted: a retry, the next slot of a recurring task, a
   * failure, a timeout or a stop keep the row. A task enqueued with `unique` (its deduplication
   * window needs the row), with dependents or in a batch (docs/flow-control.md) is kept too.
   * Default false (docs/partitioning.md, "Completed tasks deleted as they complete").
   */
  removeOnComplete?: boolean;
}

/**
 * The payload of a task queued by a `deadLetter` job option: the task that failed for the last
 * time, and how.
 */
export interface DeadLetter {
  /** The failed task's id and uuid. */
  taskId: number;
  uuid: string;
  /** Its job. */
  job: string;
  /** Its payload (null when it had none). */
  payload: JsonValue | null;
  /**
   * Its last attempt's status, number and error: `'LOST'` when that attempt was lost with its
   * worker and the rescue found no retry left (the error is then `worker lost: ...`).
   */
  status: 'FAILED' | 'TIMEOUT' | 'LOST';
  attempts: number;
  error: { message: string | null; traceback: string | null };
  /** When the last attempt ended (epoch ms). */
  failedAt: number;
  /** The user it ran as, or null. */
  runAs: string | null;
}

/** JSON-compatible value (what payloads and results must be). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
