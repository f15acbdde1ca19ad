import type { EntityManager } from 'typeorm';
import type { WorkerStatus } from '../entities/worker.entity.js';
import type { JobKind, RunStatus, TaskStatus } from '../types.js';
import type { DeadLetterRoutes } from './dead-letter-task.js';
import type { RecordedRun } from './run-feed.js';

/** The run statuses, from lib/types.ts (the one list). */
export { RUN_STATUSES } from '../types.js';

/**
 * The storage contract: the one place that changes state in the database. Every write to a task,
 * run, worker or job definition row goes through one of these methods (the hot path's enqueue,
 * claim, complete, progress, heartbeat, rescue and expiry, and the rarer stop, worker commands,
 * definition sync and admin toggles, schedule and slot moves, pruning), and each dialect
 * implements them with hand-written SQL in its own folder. Reads stay outside when they only look:
 * the views of the dashboard, the CLI and `SchedulerService`, and the reads that choose what to
 * change (definition sync, the misfire sweep, the test-clock re-plan) go through TypeORM.
 *
 * Times are UTC epoch milliseconds. An `Instant` of `null` means "the database's own clock":
 * due-ness, leases and heartbeats compare against one clock for the whole cluster, so a node
 * whose clock drifts can neither run a task early nor make a live worker look dead. A test clock
 * passes explicit instants instead.
 */
export type Instant = number | null;

/** A task to insert. `uuid` is the idempotency key. */
export interface NewTask {
  uuid: string;
  jobName: string;
  payload: string | null; // JSON text
  group: string;
  priority: number;
  /** Earliest run time; `null` means "now" on the database clock. */
  nextRunTime: Instant;
  stopTime: number | null;
  timeoutMs: number | null;
  retries: number;
  runAs: string | null;
  queuedBy: string | null;
  /** JSON text of the normalised schedule for recurring tasks, else null. */
  schedule: string | null;
  repeats: number;
  /** The enqueuing span's W3C trace context (JSON text); absent or null when not traced. */
  traceContext?: string | null;
}

export interface EnqueueResult {
  id: number;
  uuid: string;
  /** false when a task with this uuid already existed (nothing was written). */
  created: boolean;
  /**
   * When `created` is false: what the task that holds the uuid was queued with, read after the
   * insert met the unique index (so a concurrent enqueue of the same uuid is seen), to tell a
   * repeated enqueue from a uuid reused for other work.
   */
  existing?: ExistingTask;
}

/** The identity of a task found by its uuid: its job, payload (JSON text) and `runAs` user. */
export interface ExistingTask {
  jobName: string;
  payload: string | null;
  runAs: string | null;
}

/** A task as handed to a worker by `claim`. */
export interface ClaimedTask {
  id: number;
  uuid: string;
  jobName: string;
  payload: string | null;
  group: string;
  priority: number;
  timeoutMs: number | null;
  retries: number;
  /** 1-based number of this attempt for the current occurrence. */
  attempt: number;
  timesRun: number;
  timesFailed: number;
  repeats: number;
  schedule: string | null;
  /** The slot this run is for (the task's next_run_time when claimed). */
  scheduledFor: number;
  runAs: string | null;
  claimToken: string;
  /** The enqueuing span's W3C trace context (JSON text), or null. */
  traceContext: string | null;
}

/** What a worker writes back when an attempt ends. Applied only if `claimToken` still matches. */
export interface TaskOutcome {
  taskId: number;
  claimToken: string;
  jobName: string;
  worker: string;
  attempt: number;
  runAs: string | null;
  scheduledFor: number;
  /** Status of the run row written for this attempt. */
  runStatus: Exclude<RunStatus, 'RUNNING' | 'LOST'>;
  startTime: number;
  stopTime: number;
  result: string | null; // JSON text
  message: string | null;
  output: string | null;
  traceback: string | null;
  /** New task status: QUEUED for a retry or the next slot of a recurring task. */
  taskStatus: TaskStatus;
  /** Next due time when `taskStatus` is QUEUED; `null` = database now + `delayMs`. */
  nextRunTime: Instant;
  delayMs: number;
  /** Counters after this attempt. */
  timesRun: number;
  timesFailed: number;
  /** Attempt counter stored on the task (reset to 0 when a new occurrence starts). */
  nextAttempt: number;
  /**
   * The dead letter of a last failure (`JobOptions.deadLetter`): queued by `complete` in the
   * transaction that writes this outcome, and only if the outcome is written (not fenced out).
   */
  deadLetter?: NewTask;
  /**
   * Delete the task instead of updating it (`JobOptions.removeOnComplete`): set only with
   * `taskStatus` COMPLETED. The run row is inserted all the same. A task with a dedup key,
   * dependencies or a batch (`flow <> 0`) is updated instead: those need their row.
   */
  removeTask?: boolean;
}

/** Live state of a running attempt, synced while it runs. */
export interface ProgressUpdate {
  taskId: number;
  claimToken: string;
  progress: number | null;
  progressMessage: string | null;
  output: string | null;
}

export interface WorkerRecord {
  name: string;
  groups: string[];
  hostname: string;
  pid: number;
  running: number;
  completed: number;
  failed: number;
}

/** A run lost with its worker: what `rescueOrphans` re-queued or failed. */
export interface RescueReport {
  requeued: number;
  failed: number;
}

/** One attempt `rescueOrphans` recorded as a LOST run (reported to lifecycle events). */
export interface LostRun {
  taskId: number;
  /** The LOST run row written for the attempt. */
  runId: number;
  jobName: string;
  attempt: number;
  runAs: string | null;
  /** The worker that stopped heartbeating. */
  worker: string | null;
  /** QUEUED again, or FAILED when no retry remained. */
  taskStatus: 'QUEUED' | 'FAILED';
  /** When it was rescued, on the clock the rescue used. */
  at: number;
}

/** One task `expire` marked EXPIRED (reported to lifecycle events). */
export interface ExpiredTask {
  taskId: number;
  jobName: string;
  attempt: number;
  runAs: string | null;
  /** When it was expired, on the clock the statement used. */
  at: number;
}

export interface ClaimRequest {
  worker: string;
  groups: string[];
  /** Only tasks of jobs this worker has handlers for. */
  jobNames: string[];
  limit: number;
  now: Instant;
  /**
   * A per-job concurrency limit: `jobNames` then names exactly one job, claimers of that job are
   * serialised (its definition row is locked), and at most `maxRunning` minus the job's RUNNING
   * tasks (across the cluster) are claimed.
   */
  maxRunning?: number;
  /**
   * A per-job rate limit: `jobNames` then names exactly one job, claimers of that job are
   * serialised (its definition row is locked), and at most `limit` of its tasks are claimed per
   * fixed window `[k × perMs, (k + 1) × perMs)` of the claim's clock (`now`, else the database
   * clock). The window and its count are kept on the definition row (`rate_window`,
   * `rate_count`). A job without a definition row claims nothing. Combines with `maxRunning`.
   */
  rate?: { limit: number; perMs: number };
  /**
   * A group's rate limit (`groups: { name: { rateLimit } }`): `groups` then names exactly
   * `group`, its claimers are serialised on the group's row of `kronos_task_group_rate` (locked
   * after the job's definition row when the claim has a job limit too; the row is created on
   * first use), and at most `limit` of the group's tasks, of whatever job, are claimed per fixed
   * window `[k × perMs, (k + 1) × perMs)` of the claim's clock. The claim's tasks count in both
   * windows, the job's and the group's. Combines with `rate` and `maxRunning`.
   */
  groupRate?: { group: string; limit: number; perMs: number };
}

/** One task `stopTask` moved from QUEUED to STOPPED (reported to lifecycle events). */
export interface StoppedTask {
  taskId: number;
  jobName: string;
  attempt: number;
  runAs: string | null;
  /** When it was stopped (the `now` given to `stopTask`). */
  at: number;
}

/** A job definition as the code (or `scheduler.ini`) declares it: what definition sync writes. */
export interface DefinitionSpec {
  name: string;
  kind: JobKind;
  /** JSON text of the schedule as declared, of the normalised schedule, and the cron time zone. */
  schedule: string | null;
  scheduleNormalized: string | null;
  timezone: string | null;
  description: string | null;
  timeoutMs: number | null;
  retries: number;
  group: string;
  priority: number;
  /** JSON text of the default payload. */
  kwargs: string | null;
  source: string;
  /** The `active` flag the code asks for (kept only while no admin has set it). */
  active: boolean;
}

/** A schedule an admin set (`reschedule`) or gave back to the code (`resetSchedule`). */
export interface DefinitionSchedule {
  name: string;
  schedule: string;
  scheduleNormalized: string;
  timezone: string | null;
  setBy: 'admin' | 'code';
}

/** Move a recurring job's task row (found by its uuid) to another schedule. */
export interface ScheduleMove {
  uuid: string;
  /** JSON text of the normalised schedule, with its limits. */
  schedule: string;
  repeats: number;
  stopTime: number | null;
  /** Columns a changed definition also carries to the task (a `scheduler.ini` section edited). */
  task?: { payload: string | null; group: string; priority: number; retries: number; runAs: string | null };
  /**
   * The first slot of the schedule: a task that is not RUNNING moves there (QUEUED, attempt 0);
   * a running attempt keeps its lease and re-queues itself on the new schedule when it ends.
   * `null` leaves the slot alone.
   */
  nextRunTime: number | null;
  now: number;
}

/** Move one queued task from slot `from` to `to`, only if it still waits for `from`. */
export interface SlotMove {
  taskId: number;
  from: number;
  /** The new slot; `null` marks the task EXPIRED (no slot left). */
  to: number | null;
  /** Pending retries start over (attempt 0). */
  resetAttempt: boolean;
  now: number;
}

/** Which history rows `pruneBatch` deletes. */
export interface PruneFilter {
  /** Runs by start time, tasks by last update: older than this instant (epoch ms). */
  before: number;
  statuses: readonly string[];
  /**
   * Only rows with a greater id: the previous batch's `lastId` (0 or absent: from the start). Each
   * batch then starts where the last one stopped instead of walking again past what it deleted.
   */
  afterId?: number;
}

/** What one `pruneBatch` call deleted. */
export interface PrunedBatch {
  /** How many rows. */
  deleted: number;
  /**
   * The highest id the batch took (0 when none): where the next batch resumes (`afterId`). Where
   * rows are read first and deleted after (MySQL), a row changed in between is passed over too.
   */
  lastId: number;
}

/** One action taken from the dashboard, for the audit trail (`kronos_audit`). */
export interface AuditRecord {
  /** When; `null` = the database clock. */
  at: Instant;
  actor: string;
  action: string;
  target: string | null;
  rowsChanged: number;
  outcome: 'ok' | 'error';
  detail: string | null;
}

/** A group an administrator paused (`pauseGroup`): no worker claims its tasks until it is resumed. */
export interface PausedGroup {
  name: string;
  pausedAt: number;
  /** Who paused it, when known. */
  pausedBy: string | null;
}

/** What `enqueueUnique` does when a task of the job holds the key inside its window. */
export type DedupConflict = 'keep' | 'replace' | 'extend';

/** A deduplication key for `enqueueUnique` (docs/flow-control.md). */
export interface DedupRequest {
  key: string;
  /** Length of the window from the enqueue that takes the key. */
  windowMs: number;
  onConflict: DedupConflict;
  /** The enqueue's instant; `null` = the database clock. */
  now: Instant;
}

/** What `enqueueUnique` did. */
export interface UniqueEnqueueResult extends EnqueueResult {
  /**
   * Set when another task held the key inside its window (`id`/`uuid` are that task's):
   * `'kept'` as it was, `'replaced'` its payload and times (it was still QUEUED), `'extended'`
   * its window.
   */
  deduplicated?: 'kept' | 'replaced' | 'extended';
}

/**
 * What a change watcher (`watchChanges`) is told: `change` (something the dashboard shows may have
 * changed), `interrupted` (the notification connection dropped: changes are no longer heard, poll
 * meanwhile) or `listening` (heard again; changes made while it was down were not).
 */
export type ChangeSignal = 'change' | 'listening' | 'interrupted';

/** A change watch (`watchChanges`). */
export interface ChangeWatch {
  /** Whether changes are heard right now (false while the notification connection is down). */
  readonly listening: boolean;
  /** Stop watching. */
  stop(): Promise<void>;
}

/** What `bulkTasks` does to a batch of tasks. */
export type BulkTaskAction = 'retry' | 'stop' | 'delete';

/** A task that waits for others (`dependsOn`) or belongs to a batch: inserted by `enqueueFlow`. */
export interface FlowTask extends NewTask {
  /** Ids of existing tasks it waits for (may be empty in a batch). */
  dependsOn: number[];
  /** Indexes of earlier tasks of the same `enqueueFlow` call it waits for too (a batch's own order). */
  dependsOnItems?: number[];
  /** What a dependency that ends without completing does: cancel this task, or leave it WAITING. */
  onDependencyFailure: 'cancel' | 'wait';
}

/** A batch to create with its tasks. */
export interface NewBatch {
  description: string | null;
  /** JSON text of the callback tasks (`StoredCallbacks` in task-flow.ts), or null. */
  callbacks: string | null;
  now: Instant;
}

export interface FlowEnqueueResult {
  batchId: number | null;
  tasks: EnqueueResult[];
  /** Ids of tasks inserted CANCELLED (a dependency had already failed): settled after the commit. */
  settle: number[];
}

/** A batch's tasks by outcome: `failed` counts FAILED, TIMEOUT and EXPIRED; `pending` WAITING, QUEUED and RUNNING. */
export interface BatchCounts {
  total: number;
  pending: number;
  completed: number;
  failed: number;
  cancelled: number;
  stopped: number;
}

/** A batch as `batchState` reads it. */
export interface BatchState {
  id: number;
  description: string | null;
  /** Set by `stopBatch`. */
  stopped: boolean;
  createdAt: number;
  /** When its last task ended, or null while some are pending. */
  finishedAt: number | null;
  counts: BatchCounts;
}

export interface StorageEngine {
  readonly dialect: 'postgres' | 'sqlite' | 'mysql';
  /** Prepare statements, open the notification listener. Idempotent. */
  start(): Promise<void>;
  /** Release connections this engine opened itself (never the app's DataSource). */
  close(): Promise<void>;

  /**
   * Insert tasks; a uuid that already exists returns the existing row with `created: false` and
   * what it holds (`existing`). A uuid repeated within the batch is created once; its later
   * occurrences report the first one's content.
   */
  enqueue(tasks: NewTask[], manager?: EntityManager): Promise<EnqueueResult[]>;
  /**
   * Insert one task holding a deduplication key (unique per job while set) unless another task of
   * the job holds it inside its window; that task is then kept, replaced (payload, start and stop
   * time, while QUEUED) or has its window extended, as `dedup.onConflict` says. The unique index
   * decides between racing enqueues; a holder whose window has passed gives the key up (its
   * `dedup_key` is cleared) and the insert is tried again. A uuid that already exists returns that
   * task with `existing`, as `enqueue` does.
   */
  enqueueUnique(task: NewTask, dedup: DedupRequest, manager?: EntityManager): Promise<UniqueEnqueueResult>;
  /**
   * Atomically move up to `limit` due QUEUED tasks of the given groups to RUNNING for `worker`,
   * ordered by priority (high first) then due time, skipping tasks of inactive or missing jobs.
   */
  claim(request: ClaimRequest): Promise<ClaimedTask[]>;
  /**
   * Write back finished attempts in one batch: update each task (fenced by its claim token) and
   * insert a run row for each outcome that still held its lease. Returns the ids that were
   * fenced out (lease lost: nothing written for them).
   *
   * `runIds`, when given (only while lifecycle events have listeners: it costs a little more),
   * receives the id of the run row written for each outcome, by index, once the batch is
   * committed; 0 for an outcome fenced out.
   *
   * An outcome carrying a `deadLetter` has it inserted in the same transaction (idempotent by its
   * uuid): the last failure and its dead letter are committed together or not at all.
   */
  complete(outcomes: TaskOutcome[], runIds?: number[]): Promise<number[]>;
  /** Sync progress/output of running attempts (fenced). Returns the ids whose lease is lost. */
  saveProgress(updates: ProgressUpdate[]): Promise<number[]>;
  /** Ids of tasks running on `worker` for which `stop()` was requested. */
  stopRequests(worker: string): Promise<number[]>;

  /** Upsert the worker row and return its current status (the command addressed to it). */
  heartbeat(worker: WorkerRecord, now: Instant): Promise<string>;
  /** Remove the worker row (clean exit). */
  removeWorker(name: string): Promise<void>;
  /**
   * Re-queue RUNNING tasks whose worker has not heartbeated for `deadAfterMs` (recording a LOST
   * run and counting the attempt), or fail them when no retries remain. Idempotent. `lost`, when
   * given, receives every attempt rescued, once the rescue is committed. A task failed this way
   * whose job has a route in `deadLetters` gets its dead letter (status LOST) in the rescue's
   * transaction.
   */
  rescueOrphans(
    deadAfterMs: number,
    now: Instant,
    lost?: LostRun[],
    deadLetters?: DeadLetterRoutes,
  ): Promise<RescueReport>;
  /**
   * Mark QUEUED tasks whose stop time has passed EXPIRED. `expired`, when given, receives each
   * task expired, once the change is committed.
   */
  expire(now: Instant, expired?: ExpiredTask[]): Promise<number>;
  /**
   * Stop a task: a QUEUED one becomes STOPPED (`stopped`, when given, receives it once committed),
   * a RUNNING one gets `stop_requested` (its worker aborts it). Returns the task's status after
   * the request, or null when no task has this id.
   */
  stopTask(taskId: number, now: number, stopped?: StoppedTask[]): Promise<TaskStatus | null>;
  /** The RUNNING tasks the database holds for `worker` (with a claim token), as claimed. */
  tasksHeldBy(worker: string): Promise<ClaimedTask[]>;
  /** The current claim token of each task id (null when none; absent when no such task). */
  leaseTokens(taskIds: number[]): Promise<Map<number, string | null>>;
  /** Address a command (the worker row's status) to the named workers. */
  commandWorkers(names: string[], status: WorkerStatus): Promise<void>;

  /**
   * Insert a job definition unless one of its name exists (several processes may start at once).
   * Returns true when this call inserted it.
   */
  addDefinition(definition: DefinitionSpec, now: number): Promise<boolean>;
  /**
   * Make a stored definition match `definition`: every column the code owns, `missing` cleared,
   * `last_seen` stamped (`updated_at` too when `changed`); the schedule and `active` only where
   * no admin has set them (checked in the statement, so a concurrent admin choice wins).
   */
  updateDefinition(definition: DefinitionSpec, now: number, changed: boolean): Promise<void>;
  /** Flag a definition no longer in the code (or configuration) `missing`. */
  markDefinitionMissing(name: string, now: number): Promise<void>;
  /** The admin's active toggle: kept over what the code says until changed again. */
  setDefinitionActive(name: string, active: boolean, now: number): Promise<void>;
  /**
   * Move a recurring job's task to another schedule; with `definition`, store that schedule on
   * the job definition in the same transaction.
   */
  moveSchedule(move: ScheduleMove, definition?: DefinitionSchedule): Promise<void>;
  /** Move a queued task to another slot (or EXPIRED), only if it still waits for `move.from`. */
  moveSlot(move: SlotMove): Promise<boolean>;
  /**
   * Delete one batch of up to `limit` history rows of the given statuses, oldest id first: runs
   * (never RUNNING ones), or tasks (never QUEUED or RUNNING ones, nor the task row of a recurring
   * job, whatever its age), with an id above `filter.afterId`. Returns how many were deleted and
   * the highest id among them.
   */
  pruneBatch(kind: 'runs' | 'tasks', filter: PruneFilter, limit: number): Promise<PrunedBatch>;

  /** Resolve when new work may be available (a notification) or after `timeoutMs`. */
  waitForWork(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Tell idle workers that work was enqueued (no-op where the dialect cannot). */
  notify(): Promise<void>;

  /** Cluster events: finished runs with an id above `afterId`, oldest first, at most `limit`. */
  runsAfter(afterId: number, limit: number): Promise<RecordedRun[]>;
  /** Cluster events: the highest run id (0 for none), where a feed starts. */
  lastRunId(): Promise<number>;
  /** Cluster events: send each payload with NOTIFY (PostgreSQL); a no-op elsewhere. */
  notifyTaskEvents(payloads: string[]): Promise<void>;
  /**
   * Cluster events: call `onPayload` for each payload `notifyTaskEvents` sends anywhere (PostgreSQL,
   * on the LISTEN connection); resolves to the function that stops it, or to null where there is
   * no such channel (SQLite, MySQL, PostgreSQL without a LISTEN connection): poll `runsAfter`.
   */
  listenTaskEvents(onPayload: (payload: string) => void): Promise<(() => Promise<void>) | null>;
  /**
   * The dashboard's push: call `onSignal` when something its pages show may have changed anywhere
   * in the cluster (PostgreSQL: every process sends a coalesced NOTIFY on `kronos_change` after its
   * changes, enqueues are heard on the wake-up channel; heard on the LISTEN connection), and when
   * that connection drops or is back. Resolves to the watch, or to null where there is no such
   * channel (SQLite, MySQL, PostgreSQL without a LISTEN connection): poll a change counter there.
   */
  watchChanges(onSignal: (signal: ChangeSignal) => void): Promise<ChangeWatch | null>;
  /** Append one entry to the audit trail (`kronos_audit`, named by the `AuditEntry` entity's metadata when registered). */
  recordAudit(entry: AuditRecord): Promise<void>;
  /**
   * Apply an administrator's bulk action to one batch of tasks, in one short transaction, and
   * return how many tasks it changed. The caller splits a large selection into batches (a few
   * hundred ids), so no action holds its locks for long. Recurring tasks (`kronos:schedule:`) are
   * never touched.
   * - `retry`: finished tasks but COMPLETED ones (`BULK_RETRYABLE`) are queued again in place,
   *   due `now`, with their attempt counter reset and no expiry; a task with dependencies is
   *   QUEUED when they all COMPLETED, else WAITING, and left as it is when one ended without
   *   completing and it cancels on a failed dependency;
   * - `stop`: WAITING and QUEUED tasks become STOPPED, RUNNING ones get `stop_requested` (their
   *   worker aborts them); the flow of the stopped ones is settled as `stopTask` does;
   * - `delete`: tasks that are not RUNNING, and that no WAITING task outside `taskIds` depends on,
   *   are deleted with their runs and dependency edges, and their batches when left empty.
   */
  bulkTasks(action: BulkTaskAction, taskIds: number[], now: Instant): Promise<number>;

  /**
   * Dependencies and batches (docs/flow-control.md): insert a batch (when given) and its tasks,
   * or tasks that wait for others, in one transaction (the caller's with `manager`). A task whose
   * dependencies have not all COMPLETED is inserted WAITING, which no claim looks at; an unknown
   * dependency id throws `UnknownDependencyError` and writes nothing.
   */
  enqueueFlow(tasks: FlowTask[], batch: NewBatch | null, manager?: EntityManager): Promise<FlowEnqueueResult>;
  /**
   * After the given tasks ended (`complete` calls it itself for the tasks it reports flagged):
   * queue their dependents that may now run, cancel those a failure leaves without a way to run,
   * and queue due batch callbacks (once each, by a uuid derived from the batch). Idempotent.
   * With no ids: sweep for tasks that ended another way (`expire` and `rescueOrphans` call it
   * when they ended some) and catch up with a settle a dead process left undone.
   */
  settleFlow(taskIds: number[], now: Instant): Promise<void>;
  /** Stop a batch's WAITING and QUEUED tasks (STOPPED); returns how many, or null when no batch has this id. */
  stopBatch(batchId: number, now: Instant): Promise<number | null>;
  /** A batch's state, or null. */
  batchState(batchId: number): Promise<BatchState | null>;
  /** The latest `limit` batches, newest first. */
  listBatches(limit: number): Promise<BatchState[]>;

  /**
   * Queue control: pause a group (a row of `kronos_task_group`). Workers read the paused groups on
   * their housekeeping cadence (`pausedGroups`) and leave them out of the `groups` they claim
   * from, so the claim statement is unchanged. Returns false when it was already paused.
   */
  pauseGroup(group: string, by: string | null, now: Instant): Promise<boolean>;
  /** Resume a paused group; returns false when it was not paused. */
  resumeGroup(group: string): Promise<boolean>;
  /** The paused groups, by name. */
  pausedGroups(): Promise<PausedGroup[]>;
}
