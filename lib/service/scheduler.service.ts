import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { In, Raw, type EntityManager } from 'typeorm';
import { notCompleted } from '../entities/columns.js';
import { JobDefinition, Run, Task, type WorkerStatus } from '../entities/index.js';
import {
  BatchNotFoundError,
  InvalidEnqueueOptionError,
  InvalidScheduleError,
  InvalidSchedulerOptionError,
  JobInactiveError,
  TaskNotFoundError,
  UnknownJobError,
} from '../errors.js';
import type { ClusterTaskEvent } from '../events/cluster-event.js';
import { stoppedQueuedEvent } from '../events/event-builders.js';
import type { TaskEvent } from '../events/task-event.js';
import { KronosRuntime } from '../kronos.runtime.js';
import { parseSchedule } from '../schedule/parse-schedule.js';
import type { NormalizedSchedule, ScheduleSpec } from '../schedule/schedule.types.js';
import { scheduleMove } from './definition-sync.js';
import type { NewTask, StoppedTask } from '../storage/engine.js';
import type { TaskStatus } from '../types.js';
import { buildNewTask, dedupOf, dependenciesOf, type EnqueuedTask, type EnqueueOptions } from './enqueue-options.js';
import {
  batchCallbacks,
  itemDependencies,
  type BatchItem,
  type BatchOptions,
  type BatchState,
  type EnqueuedBatch,
} from './batch.js';
import {
  atIndex,
  BATCH_ITEM_KEYS,
  chunks,
  chunkSizeOf,
  itemJob,
  type EnqueueManyItem,
  type EnqueueManyOptions,
} from './enqueue-many.js';
import { checkRepeatedEnqueue } from './idempotency.js';
import { serializePayload } from './payload.js';
import { requireTaskId } from './task-id.js';
import type { JobInfo, RunFilter, TaskStatusView } from './views.js';
import { commandWorkers, listWorkers, type WorkerInfo } from './worker-commands.js';
import { listJobs } from './job-list.js';
import { listGroups, requireGroup, type GroupInfo } from './groups.js';

/**
 * Queue work, inspect tasks and runs, and steer jobs. Inject it anywhere.
 * @publicApi
 */
@Injectable()
export class SchedulerService {
  constructor(private readonly runtime: KronosRuntime) {}

  /**
   * The lifecycle events of this process (see `TaskEvent`): the runs its worker recorded, the
   * rescues and expiries it made, the queued tasks it stopped; each once its change is
   * committed. Other processes' changes are not here (docs/events.md). Completes when the
   * application shuts down. Nothing is built while nobody subscribes.
   */
  get events$(): Observable<TaskEvent> {
    return this.runtime.events.stream;
  }

  /**
   * Every run recorded anywhere in the fleet, whichever process ran it (see `ClusterTaskEvent`):
   * e.g. the web process that enqueued a task sees its completion. Needs `events: { cluster:
   * true }` in this process and, on PostgreSQL, in the workers (they send what they record with
   * NOTIFY; subscribers LISTEN). On SQLite and MySQL/MariaDB subscribers poll the runs table
   * every `events.pollInterval`. Listening or polling runs only while someone subscribes, from
   * shortly after the first subscription; completes when the application shuts down.
   * @throws InvalidSchedulerOptionError without `events: { cluster: true }`.
   */
  get clusterEvents$(): Observable<ClusterTaskEvent> {
    if (!this.runtime.options.events.cluster) {
      throw new InvalidSchedulerOptionError(
        'events.cluster',
        this.runtime.options.events.cluster,
        'must be true to use clusterEvents$: SchedulerModule.forRoot({ events: { cluster: true } })',
      );
    }
    return this.runtime.clusterEvents.stream;
  }

  /**
   * Queue a task for a `@Job` (or an extra run of a `@ScheduledTask`). Validation happens before
   * anything is written: an unknown job, a payload that is not JSON or over `maxPayloadBytes`,
   * and invalid options throw typed errors naming the job, field and value.
   *
   * @returns the task id and its uuid; with an existing `uuid`, the existing task; with `unique`
   * and a task holding the key inside its window, that task and what was done to it
   * (`deduplicated`).
   * @throws IdempotencyConflictError when the `uuid` belongs to a task of another job, payload
   * or `runAs` user (see `EnqueueOptions.uuid`).
   */
  async enqueue(name: string, payload?: unknown, options: EnqueueOptions = {}): Promise<EnqueuedTask> {
    const job = this.runtime.registry.require(name);
    const json = serializePayload(name, payload, this.runtime.options.maxPayloadBytes);
    const task = buildNewTask(job, json, options, this.runtime.instant());
    if (options.unique !== undefined) dedupOf(name, options.unique);
    dependenciesOf(name, options);
    const tracing = this.runtime.telemetry.tracing;
    if (tracing) {
      return tracing.enqueue({ job: name, group: task.group, uuid: task.uuid }, (traceContext) =>
        this.insert({ ...task, traceContext }, options),
      );
    }
    return this.insert(task, options);
  }

  private async insert(task: NewTask, options: EnqueueOptions): Promise<EnqueuedTask> {
    const dependencies = dependenciesOf(task.jobName, options);
    if (dependencies) {
      const { tasks, settle } = await this.runtime.engine.enqueueFlow(
        [{ ...task, ...dependencies }],
        null,
        options.manager,
      );
      checkRepeatedEnqueue(task, tasks[0]);
      if (!options.manager) await this.afterFlowEnqueue(settle);
      return { id: tasks[0].id, uuid: tasks[0].uuid };
    }
    if (options.unique !== undefined) {
      const dedup = { ...dedupOf(task.jobName, options.unique), now: this.runtime.instant() };
      const result = await this.runtime.engine.enqueueUnique(task, dedup, options.manager);
      checkRepeatedEnqueue(task, result);
      return result.deduplicated
        ? { id: result.id, uuid: result.uuid, deduplicated: result.deduplicated }
        : { id: result.id, uuid: result.uuid };
    }
    const [result] = await this.runtime.engine.enqueue([task], options.manager);
    checkRepeatedEnqueue(task, result);
    return { id: result.id, uuid: result.uuid };
  }

  /**
   * Queue many tasks of one job: one task per payload, all with the same `options`. The array
   * holds payloads only (an object in it is a payload, never options); per-task options, uuids or
   * jobs are the mixed form's, `enqueueMany(items, options)`.
   *
   * Every payload is checked as `enqueue` checks it before anything is written; the tasks are
   * then inserted a chunk at a time (`chunkSize`, one multi-row INSERT per chunk), all in one
   * transaction: the caller's when `options.manager` is given, else one of its own.
   *
   * @returns each task's id and uuid, in the order of `payloads`.
   * @throws BulkEnqueueItemError naming the index of the first refused payload (unknown job,
   * payload not JSON or too large, invalid option); nothing is written then.
   */
  enqueueMany(
    name: string,
    payloads: readonly unknown[],
    options?: EnqueueManyOptions,
  ): Promise<{ id: number; uuid: string }[]>;
  /**
   * Queue many tasks of any jobs: each item names its job and payload and may carry its own
   * `enqueue` options (`uuid`, `startAt`, `priority`...), which take precedence over the shared
   * `options`. Checked, chunked and written in one transaction like the one-job form.
   *
   * @returns each task's id and uuid, in the order of `items`.
   * @throws BulkEnqueueItemError naming the index of the first refused item; nothing is written.
   */
  enqueueMany(items: readonly EnqueueManyItem[], options?: EnqueueManyOptions): Promise<{ id: number; uuid: string }[]>;
  async enqueueMany(
    first: string | readonly EnqueueManyItem[],
    second?: readonly unknown[] | EnqueueManyOptions,
    third?: EnqueueManyOptions,
  ): Promise<{ id: number; uuid: string }[]> {
    const named = typeof first === 'string';
    const list: unknown = named ? second : first;
    const options: EnqueueManyOptions = (named ? third : (second as EnqueueManyOptions | undefined)) ?? {};
    const label = named ? first : '(enqueueMany)';
    if (!Array.isArray(list))
      throw new InvalidEnqueueOptionError(label, named ? 'payloads' : 'items', list, 'must be an array');
    if ('unique' in options)
      throw new InvalidEnqueueOptionError(
        label,
        'unique',
        (options as EnqueueOptions).unique,
        'is not supported by enqueueMany: enqueue tasks with a deduplication key one by one',
      );
    if ('uuid' in options)
      throw new InvalidEnqueueOptionError(
        label,
        'uuid',
        (options as EnqueueOptions).uuid,
        'is per task: give it in each item of the mixed form',
      );
    const size = chunkSizeOf(label, options);
    const { chunkSize: _size, manager, ...shared } = options;
    const now = this.runtime.instant();
    const build = (job: string, payload: unknown, taskOptions: EnqueueOptions): NewTask =>
      buildNewTask(
        this.runtime.registry.require(job),
        serializePayload(job, payload, this.runtime.options.maxPayloadBytes),
        taskOptions,
        now,
      );
    const tasks = list.map((entry: unknown, index): NewTask => {
      if (named) return atIndex(index, first, () => build(first, entry, shared));
      const job = itemJob(entry, index);
      const { job: _job, payload, ...own } = entry as EnqueueManyItem;
      return atIndex(index, job, () => build(job, payload, { ...shared, ...own }));
    });
    if (tasks.length === 0) return [];
    const write = async (transaction: EntityManager): Promise<{ id: number; uuid: string }[]> => {
      const ids: { id: number; uuid: string }[] = [];
      for (const chunk of chunks(tasks, size)) {
        const results = await this.runtime.engine.enqueue(chunk, transaction);
        results.forEach((result, n) => {
          atIndex(ids.length, chunk[n].jobName, () => checkRepeatedEnqueue(chunk[n], result));
          ids.push({ id: result.id, uuid: result.uuid });
        });
      }
      return ids;
    };
    if (manager) return write(manager);
    const ids = await this.runtime.dataSource.transaction(write);
    await this.runtime.engine.notify();
    return ids;
  }

  /** Settle the tasks an enqueue inserted CANCELLED (their batches), and wake workers for the queued ones. */
  private async afterFlowEnqueue(settle: number[]): Promise<void> {
    if (settle.length > 0) await this.runtime.engine.settleFlow(settle, this.runtime.instant());
    await this.runtime.engine.notify();
  }

  /**
   * Queue a batch: a set of tasks enqueued together (one transaction), whose callbacks are each
   * queued once: `onComplete` when every task has ended, `onSuccess` when all COMPLETED,
   * `onFailure` at the first failure; each receives a `BatchCallbackPayload` with the batch's
   * counts. Items take any `enqueue` option, `dependsOn` included (ids of existing tasks).
   * Everything is checked before anything is written (docs/flow-control.md).
   *
   * @returns the batch id and its tasks' ids, in the order of `items`.
   * @throws BulkEnqueueItemError naming the first refused item; InvalidEnqueueOptionError for a
   * bad option or callback; UnknownDependencyError for a `dependsOn` id that is no task.
   */
  batch(options: BatchOptions, items: readonly BatchItem[]): Promise<EnqueuedBatch>;
  /**
   * A batch's state: its counts by outcome, when it finished, whether it was stopped.
   * @throws BatchNotFoundError when no batch has this id.
   */
  batch(id: number): Promise<BatchState>;
  async batch(first: BatchOptions | number, items?: readonly BatchItem[]): Promise<EnqueuedBatch | BatchState> {
    if (typeof first === 'number') {
      const state = await this.runtime.engine.batchState(first);
      if (!state) throw new BatchNotFoundError(first);
      return state;
    }
    const now = this.runtime.instant();
    const build = (job: string, payload: unknown, taskOptions: EnqueueOptions = {}): NewTask =>
      buildNewTask(
        this.runtime.registry.require(job),
        serializePayload(job, payload, this.runtime.options.maxPayloadBytes),
        taskOptions,
        now,
      );
    const callbacks = batchCallbacks(first, (job, payload) => build(job, payload));
    if (!Array.isArray(items) || items.length === 0)
      throw new InvalidEnqueueOptionError(
        '(batch)',
        'items',
        items,
        'must be a non-empty array of { job, payload?, ...options }',
      );
    const tasks = items.map((entry: unknown, index) => {
      const job = itemJob(entry, index, BATCH_ITEM_KEYS);
      const { job: _job, payload, dependsOn, ...own } = entry as BatchItem;
      return atIndex(index, job, () => {
        const { ids, items: earlier } = itemDependencies(job, index, dependsOn);
        const options = { ...own, dependsOn: ids };
        return {
          ...build(job, payload, options),
          ...(dependenciesOf(job, options) as { dependsOn: number[]; onDependencyFailure: 'cancel' | 'wait' }),
          dependsOnItems: earlier,
        };
      });
    });
    const result = await this.runtime.engine.enqueueFlow(
      tasks,
      { description: first.description ?? null, callbacks, now },
      first.manager,
    );
    result.tasks.forEach((task, index) =>
      atIndex(index, tasks[index].jobName, () => checkRepeatedEnqueue(tasks[index], task)),
    );
    if (!first.manager) await this.afterFlowEnqueue(result.settle);
    return { id: result.batchId as number, tasks: result.tasks.map(({ id, uuid }) => ({ id, uuid })) };
  }

  /**
   * Stop a batch: its WAITING and QUEUED tasks end STOPPED (running ones finish their attempt),
   * which counts toward its `onComplete`. Returns how many tasks were stopped.
   * @throws BatchNotFoundError when no batch has this id.
   */
  async stopBatch(id: number): Promise<number> {
    const stopped = await this.runtime.engine.stopBatch(id, this.runtime.instant());
    if (stopped === null) throw new BatchNotFoundError(id);
    return stopped;
  }

  /** The latest batches (default 50), newest first, with their counts. */
  batches(limit = 50): Promise<BatchState[]> {
    return this.runtime.engine.listBatches(limit);
  }

  /** Queue a run of `name` now, active or not in code order. Throws if the job is deactivated. */
  async runNow(
    name: string,
    payload?: unknown,
    options: Omit<EnqueueOptions, 'startAt' | 'delay'> = {},
  ): Promise<{ id: number; uuid: string }> {
    const job = this.runtime.registry.require(name);
    const definition = await this.definition(name);
    if (!definition.active) throw new JobInactiveError(name);
    return this.enqueue(name, payload ?? job.payload ?? undefined, { runAs: job.runAs ?? undefined, ...options });
  }

  /**
   * The task with its latest finished run; live progress and output while it runs.
   * @throws TaskNotFoundError for an id no task has (also `'abc'`, `2 ** 40`), on every database.
   */
  async status(taskId: number): Promise<TaskStatusView> {
    requireTaskId(taskId);
    const task = await this.runtime.dataSource.getRepository(Task).findOneBy({ id: taskId });
    if (!task) throw new TaskNotFoundError(taskId);
    const latestRun = await this.runtime.dataSource
      .getRepository(Run)
      .findOne({ where: { taskId }, order: { id: 'DESC' } });
    return { task, latestRun };
  }

  /** The Activity log, newest first. */
  async runs(filter: RunFilter = {}): Promise<Run[]> {
    const where: Record<string, unknown> = {};
    if (filter.job !== undefined) where.jobName = filter.job;
    if (filter.taskId !== undefined) where.taskId = requireTaskId(filter.taskId);
    if (filter.status !== undefined) {
      const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
      // Stating the partial status index's condition lets SQLite use it (see statusIndexTerm).
      where.status = statuses.includes('COMPLETED')
        ? In(statuses)
        : Raw((column) => `${column} IN (:...statuses) AND ${notCompleted(column)}`, { statuses });
    }
    const take = Math.min(Math.max(1, filter.limit ?? 50), 1000);
    return this.runtime.dataSource.getRepository(Run).find({ where, order: { id: 'DESC' }, take });
  }

  /**
   * Stop a task: a queued one becomes STOPPED at once; a running one has its `ctx.signal`
   * aborted and ends STOPPED (within the worker's sync interval). Finished tasks are unchanged.
   * @returns the task's status after the request.
   * @throws TaskNotFoundError for an id no task has (also `'abc'`, `2 ** 40`), on every database.
   */
  async stop(taskId: number): Promise<TaskStatus> {
    requireTaskId(taskId);
    const events = this.runtime.events;
    const stopped: StoppedTask[] | undefined = events.active ? [] : undefined; // nobody listening: nothing reported
    const status = await this.runtime.engine.stopTask(taskId, this.runtime.options.clock.now(), stopped);
    if (status === null) throw new TaskNotFoundError(taskId);
    if (stopped && stopped.length > 0) events.publish(() => stopped.map(stoppedQueuedEvent));
    return status;
  }

  /** Let the job's tasks be claimed again. An admin choice: redeploys keep it. */
  activate(name: string): Promise<void> {
    return this.toggle(name, true);
  }

  /** Stop claiming the job's tasks (running ones finish). An admin choice: redeploys keep it. */
  deactivate(name: string): Promise<void> {
    return this.toggle(name, false);
  }

  /**
   * Replace a recurring job's schedule (an admin decision: redeploys keep it until
   * `resetSchedule`). The spec is validated first; a refused spec changes nothing.
   * @returns the job as `listJobs()` reports it.
   */
  async reschedule(name: string, spec: ScheduleSpec): Promise<JobInfo> {
    const job = this.runtime.registry.require(name);
    if (!job.schedule)
      throw new InvalidScheduleError(
        name,
        'job',
        name,
        'is a queued job, not a recurring one; only @ScheduledTask jobs have a schedule',
      );
    const schedule = parseSchedule(name, spec, { timezone: this.runtime.options.timezone });
    return this.storeSchedule(name, spec, schedule, 'admin');
  }

  /** Give a rescheduled job its schedule from code back. */
  async resetSchedule(name: string): Promise<JobInfo> {
    const job = this.runtime.registry.require(name);
    if (!job.schedule || !job.scheduleSpec)
      throw new InvalidScheduleError(name, 'job', name, 'is a queued job, not a recurring one');
    return this.storeSchedule(name, job.scheduleSpec, job.schedule, 'code');
  }

  private async storeSchedule(
    name: string,
    spec: ScheduleSpec,
    schedule: NormalizedSchedule,
    setBy: 'admin' | 'code',
  ): Promise<JobInfo> {
    const now = this.runtime.options.clock.now();
    await this.runtime.engine.moveSchedule(scheduleMove(name, schedule, now), {
      name,
      schedule: JSON.stringify(spec),
      scheduleNormalized: JSON.stringify(schedule),
      timezone: schedule.kind === 'cron' ? schedule.timezone : null,
      setBy,
    });
    await this.runtime.engine.notify();
    return (await this.listJobs()).find((info) => info.name === name)!;
  }

  /**
   * Every stored job definition with its schedule in words, next and last run. One query,
   * whatever the number of jobs (the same read serves the dashboard and `kronos list`).
   */
  listJobs(): Promise<JobInfo[]> {
    return listJobs(this.runtime.dataSource, this.runtime.registry);
  }

  /** Every live worker with its groups, command, heartbeat age and counters. */
  workers(): Promise<WorkerInfo[]> {
    return listWorkers(this.runtime.dataSource, this.runtime.options.clock.now());
  }

  /** Workers of these groups (all when omitted) stop claiming but stay alive. */
  disableWorkers(groups?: string | string[]): Promise<string[]> {
    return commandWorkers(this.runtime.dataSource, this.runtime.engine, 'DISABLED', groups);
  }

  /** Disabled workers of these groups claim again. */
  resumeWorkers(groups?: string | string[]): Promise<string[]> {
    return commandWorkers(this.runtime.dataSource, this.runtime.engine, 'ACTIVE', groups);
  }

  /** Workers of these groups finish their running tasks, then their process exits. */
  terminateWorkers(groups?: string | string[]): Promise<string[]> {
    return commandWorkers(this.runtime.dataSource, this.runtime.engine, 'TERMINATE', groups);
  }

  /** Workers of these groups abort their running tasks (re-queued), then their process exits. */
  killWorkers(groups?: string | string[]): Promise<string[]> {
    return commandWorkers(this.runtime.dataSource, this.runtime.engine, 'KILL', groups);
  }

  /**
   * Pause a group: no worker claims its tasks (running ones finish) until `resumeGroup`. Workers
   * read the paused groups on each heartbeat, so a pause takes effect within one
   * `worker.heartbeatInterval` (plus a claim already in flight). Returns false when it was
   * already paused. `by` names who paused it, for the record.
   * @throws InvalidGroupError for a name no task can have.
   */
  async pauseGroup(group: string, by?: string): Promise<boolean> {
    return this.runtime.engine.pauseGroup(requireGroup(group), by ?? null, this.runtime.instant());
  }

  /** Let workers claim a paused group's tasks again (within a heartbeat interval). Returns false when it was not paused. */
  async resumeGroup(group: string): Promise<boolean> {
    const resumed = await this.runtime.engine.resumeGroup(requireGroup(group));
    if (resumed) await this.runtime.engine.notify();
    return resumed;
  }

  /** Every group with its paused state, QUEUED and RUNNING counts, the workers serving it and its rate limit. */
  groups(): Promise<GroupInfo[]> {
    return listGroups(
      this.runtime.dataSource,
      this.runtime.engine,
      this.runtime.options.clock.now(),
      this.runtime.options.groupRates,
    );
  }

  /** Address a command to one worker by name; returns whether a worker of that name was told. */
  async commandWorker(name: string, command: WorkerStatus): Promise<boolean> {
    const worker = (await this.workers()).find((w) => w.name === name);
    if (!worker) return false;
    if ((command === 'ACTIVE' || command === 'DISABLED') && worker.status !== 'ACTIVE' && worker.status !== 'DISABLED')
      return false;
    await this.runtime.engine.commandWorkers([name], command);
    return true;
  }

  private async definition(name: string): Promise<JobDefinition> {
    const row = await this.runtime.dataSource.getRepository(JobDefinition).findOneBy({ name });
    if (!row) throw new UnknownJobError(name);
    return row;
  }

  private async toggle(name: string, active: boolean): Promise<void> {
    await this.definition(name);
    await this.runtime.engine.setDefinitionActive(name, active, this.runtime.options.clock.now());
    if (active) await this.runtime.engine.notify();
  }
}
