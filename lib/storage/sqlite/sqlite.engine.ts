import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { JobDefinition, Run, Task, Worker } from '../../entities/index.js';
import type {
  AuditRecord,
  BatchState,
  PausedGroup,
  BulkTaskAction,
  ClaimedTask,
  ClaimRequest,
  DefinitionSchedule,
  DefinitionSpec,
  DedupRequest,
  EnqueueResult,
  UniqueEnqueueResult,
  ExpiredTask,
  FlowEnqueueResult,
  FlowTask,
  Instant,
  LostRun,
  NewBatch,
  NewTask,
  ProgressUpdate,
  PruneFilter,
  PrunedBatch,
  RescueReport,
  ScheduleMove,
  SlotMove,
  StoppedTask,
  StorageEngine,
  TaskOutcome,
  WorkerRecord,
} from '../engine.js';
import { lostDeadLetter, type DeadLetterRoutes } from '../dead-letter-task.js';
import type { RecordedRun } from '../run-feed.js';
import type { WorkerStatus } from '../../entities/worker.entity.js';
import type { TaskStatus } from '../../types.js';
import { atStartup, openEngineConnection, withBusyRetry } from './sqlite-connection.js';
import { recordAudit } from './audit.sql.js';
import { bulkTasks, pruneTasks } from './bulk.sql.js';
import { SqliteFlow } from './flow.sql.js';
import { SqliteGroups } from './groups.sql.js';
import { lastRunId, runsAfter } from './run-feed.sql.js';
import { groupRateTable } from '../../migrations/group-table.js';
import { judgeClaim, type StoredRate } from '../rate-window.js';
import { SQLITE_SQL, type SqliteStatement } from './sqlite.sql.js';
import { DEDUP_SQL, dedupParams } from './dedup.sql.js';
import { runDedupFlow, runDedupFlowSync, type DedupStep } from '../dedup-flow.js';
import { claimedTaskFromRow } from '../claimed-task-row.js';
import { requeuesLostAttempt, workerLostMessage } from '../lost-attempt.js';
import { LocalWakeups } from '../local-wakeups.js';

type Row = Record<string, unknown>;

/** The result for a uuid the insert skipped: the row that holds it (SQLite serialises writers, so it is there). */
const existingTask = (uuid: string, row: Row): EnqueueResult => ({
  id: Number(row.id),
  uuid,
  created: false,
  existing: {
    jobName: row.job_name as string,
    payload: row.payload as string | null,
    runAs: row.run_as as string | null,
  },
});

/**
 * SQLite engine, the embedded default. One process or several on one machine share the file
 * (WAL mode); there is no notification channel, so idle workers poll, and a worker in the same
 * process is woken directly by `notify()`.
 */
export class SqliteEngine implements StorageEngine {
  readonly dialect = 'sqlite' as const;
  private db?: BetterSqlite3.Database;
  private owned = false;
  /** The start in progress: opening the connection waits while other processes hold the file. */
  private starting?: Promise<void>;
  private readonly statements = new Map<SqliteStatement, BetterSqlite3.Statement>();
  private readonly dedupStatements = new Map<DedupStep['kind'], BetterSqlite3.Statement>();
  private readonly tables: Record<'task' | 'run' | 'job' | 'worker', string>;
  private readonly wakeups = new LocalWakeups();

  constructor(private readonly dataSource: DataSource) {
    const quote = (entity: EntityTarget<ObjectLiteral>) => `"${dataSource.getMetadata(entity).tableName}"`;
    this.tables = { task: quote(Task), run: quote(Run), job: quote(JobDefinition), worker: quote(Worker) };
  }

  async start(): Promise<void> {
    if (this.starting) return this.starting;
    if (this.db) return;
    this.starting = this.open().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async open(): Promise<void> {
    const { db, owned, file } = await openEngineConnection(this.dataSource);
    this.db = db;
    this.owned = owned;
    await atStartup(file, () => db.exec(this.sql('dueIndex')));
  }

  async close(): Promise<void> {
    this.wakeups.wakeAll();
    this.statements.clear();
    this.dedupStatements.clear();
    if (this.owned) this.db?.close();
    this.db = undefined;
  }

  async enqueue(tasks: NewTask[], manager?: EntityManager): Promise<EnqueueResult[]> {
    const now = Date.now();
    const params = (t: NewTask) => insertTaskParams(t, now);
    if (manager) {
      // Inside the caller's transaction, on the caller's connection: a rollback removes the task.
      const results: EnqueueResult[] = [];
      for (const task of tasks) {
        const inserted: Row[] = await manager.query(this.sql('insertTask'), params(task));
        if (inserted[0]) results.push({ id: Number(inserted[0].id), uuid: task.uuid, created: true });
        else
          results.push(existingTask(task.uuid, (await manager.query<Row[]>(this.sql('taskByUuid'), [task.uuid]))[0]));
      }
      return results;
    }
    const results = await withBusyRetry(() => this.connection().transaction(() => this.insertTasks(tasks, now))());
    await this.notify();
    return results;
  }

  /** Insert tasks in the transaction the caller holds (one per uuid: an existing uuid returns that task). */
  private insertTasks(tasks: NewTask[], now: number): EnqueueResult[] {
    const insert = this.statement('insertTask');
    const lookup = this.statement('taskByUuid');
    return tasks.map((task): EnqueueResult => {
      const row = insert.get(...insertTaskParams(task, now)) as Row | undefined;
      if (row) return { id: Number(row.id), uuid: task.uuid, created: true };
      return existingTask(task.uuid, lookup.get(task.uuid) as Row);
    });
  }

  async enqueueUnique(task: NewTask, dedup: DedupRequest, manager?: EntityManager): Promise<UniqueEnqueueResult> {
    const now = dedup.now ?? Date.now();
    const text = (step: DedupStep) => DEDUP_SQL[step.kind].replace(/\{task\}/g, this.tables.task);
    if (manager) {
      return runDedupFlow(task, dedup, async (step) => {
        const rows: Row[] = await manager.query(text(step), dedupParams(step, task, dedup, now));
        return { rows, affected: rows.length };
      });
    }
    const result = await withBusyRetry(() =>
      this.connection()
        .transaction(() =>
          runDedupFlowSync(task, dedup, (step) => {
            let statement = this.dedupStatements.get(step.kind);
            if (!statement) this.dedupStatements.set(step.kind, (statement = this.connection().prepare(text(step))));
            const rows = statement.all(...dedupParams(step, task, dedup, now)) as Row[];
            return { rows, affected: rows.length };
          }),
        )
        .immediate(),
    );
    if (result.created) await this.notify();
    return result;
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    if (request.limit <= 0 || request.groups.length === 0 || request.jobNames.length === 0) return [];
    const token = randomUUID();
    const claim = (limit: number, now = request.now ?? Date.now()) =>
      this.statement('claim').all({
        worker: request.worker,
        token,
        now,
        groups: JSON.stringify(request.groups),
        jobs: JSON.stringify(request.jobNames),
        limit,
      }) as Row[];
    const { maxRunning, rate, groupRate } = request;
    const rows = await withBusyRetry(() => {
      if (maxRunning === undefined && rate === undefined && groupRate === undefined) return claim(request.limit);
      // A job with a concurrency or rate limit, or a group with a rate limit: count and claim
      // under one write lock (BEGIN IMMEDIATE).
      return this.connection()
        .transaction(() => {
          const job = request.jobNames[0];
          let room = request.limit;
          let jobRate: StoredRate | null = null;
          let groupRow: StoredRate | null = null;
          if (rate !== undefined) {
            const row = this.statement('rateOfJob').get(job) as
              { rate_window: unknown; rate_count: unknown } | undefined;
            if (!row) return [];
            jobRate = { rate, window: row.rate_window, count: row.rate_count };
          }
          if (groupRate !== undefined) {
            this.statement('createGroupRate').run(groupRate.group);
            const row = this.statement('rateOfGroup').get(groupRate.group) as {
              rate_window: unknown;
              rate_count: unknown;
            };
            groupRow = { rate: groupRate, window: row.rate_window, count: row.rate_count };
          }
          // Both windows judged at one instant, the claim's clock (see judgeClaim).
          const judged = jobRate || groupRow ? judgeClaim(request.now ?? Date.now(), jobRate, groupRow) : null;
          const now = judged?.at ?? request.now ?? Date.now();
          if (judged) room = Math.min(room, judged.room);
          if (maxRunning !== undefined) {
            const { n } = this.statement('runningOfJob').get(job) as { n: number };
            room = Math.min(room, maxRunning - Number(n));
          }
          const claimed = room > 0 ? claim(room, now) : [];
          if (judged?.job && claimed.length > 0)
            this.statement('saveRate').run(judged.job.window, judged.job.used + claimed.length, job);
          if (groupRate && judged?.group && claimed.length > 0)
            this.statement('saveGroupRate').run(
              judged.group.window,
              judged.group.used + claimed.length,
              groupRate.group,
            );
          return claimed;
        })
        .immediate();
    });
    return rows.map((row) => claimedTaskFromRow(row));
  }

  async complete(outcomes: TaskOutcome[], runIds?: number[]): Promise<number[]> {
    if (outcomes.length === 0) return [];
    const update = this.statement('completeTask');
    const remove = outcomes.some((o) => o.removeTask === true) ? this.statement('removeTask') : null;
    const insertRun = this.statement('insertRun');
    const now = Date.now();
    let letters = 0; // dead letters written with the outcomes
    const { fenced, written, flagged } = await withBusyRetry(() =>
      this.connection().transaction(() => {
        letters = 0;
        const fenced: number[] = [];
        const written: number[] | null = runIds ? [] : null; // asked for by lifecycle events only
        const flagged: number[] = []; // tasks with dependents or a batch (docs/flow-control.md)
        for (const o of outcomes) {
          // A task deleted as it completes (removeOnComplete); one whose row is still needed is updated.
          const removed =
            remove !== null && o.removeTask === true
              ? (remove.get({ taskId: o.taskId, claimToken: o.claimToken }) as { flow: number } | undefined)
              : undefined;
          const changed =
            removed ??
            (update.get({
              status: o.taskStatus,
              nextRunTime: o.nextRunTime,
              now,
              delayMs: o.delayMs,
              nextAttempt: o.nextAttempt,
              timesRun: o.timesRun,
              timesFailed: o.timesFailed,
              stopTime: o.stopTime,
              taskId: o.taskId,
              claimToken: o.claimToken,
            }) as { flow: number } | undefined);
          if (changed === undefined) {
            fenced.push(o.taskId);
            written?.push(0);
            continue;
          }
          if (changed.flow !== 0) flagged.push(o.taskId);
          const run = insertRun.run({
            taskId: o.taskId,
            jobName: o.jobName,
            runStatus: o.runStatus,
            worker: o.worker,
            attempt: o.attempt,
            scheduledFor: o.scheduledFor,
            startTime: o.startTime,
            stopTime: o.stopTime,
            durationMs: o.stopTime - o.startTime,
            result: o.result,
            message: o.message,
            output: o.output,
            traceback: o.traceback,
            runAs: o.runAs,
          });
          written?.push(Number(run.lastInsertRowid));
          // A last failure's dead letter commits with it (idempotent by uuid).
          if (o.deadLetter !== undefined) letters += this.insertTasks([o.deadLetter], now)[0].created ? 1 : 0;
        }
        return { fenced, written, flagged };
      })(),
    );
    if (written) runIds?.push(...written);
    if (letters > 0) await this.notify();
    // The completion is committed; settling after it never fails it (it is idempotent, a later settle catches up).
    if (flagged.length > 0) await this.settleFlow(flagged, now).catch(() => undefined);
    return fenced;
  }

  async saveProgress(updates: ProgressUpdate[]): Promise<number[]> {
    if (updates.length === 0) return [];
    const update = this.statement('saveProgress');
    const now = Date.now();
    return withBusyRetry(() =>
      this.connection().transaction(() =>
        updates.filter((u) => update.run({ ...u, now }).changes === 0).map((u) => u.taskId),
      )(),
    );
  }

  async stopRequests(worker: string): Promise<number[]> {
    const rows = (await withBusyRetry(() => this.statement('stopRequests').all(worker))) as Row[];
    return rows.map((row) => Number(row.id));
  }

  async heartbeat(worker: WorkerRecord, now: Instant): Promise<string> {
    const row = await withBusyRetry(
      () =>
        this.statement('heartbeat').get({
          name: worker.name,
          hostname: worker.hostname,
          pid: worker.pid,
          groups: JSON.stringify(worker.groups),
          now: now ?? Date.now(),
          running: worker.running,
          completed: worker.completed,
          failed: worker.failed,
        }) as Row,
    );
    return String(row.status);
  }

  async removeWorker(name: string): Promise<void> {
    await withBusyRetry(() => this.statement('removeWorker').run(name));
  }

  async rescueOrphans(
    deadAfterMs: number,
    now: Instant,
    lost?: LostRun[],
    deadLetters?: DeadLetterRoutes,
  ): Promise<RescueReport> {
    const report = await this.rescueOnly(deadAfterMs, now, lost, deadLetters);
    if (report.failed > 0) await this.settleFlow([], now); // their dependents and batches
    return report;
  }

  private async rescueOnly(
    deadAfterMs: number,
    now: Instant,
    lost?: LostRun[],
    deadLetters?: DeadLetterRoutes,
  ): Promise<RescueReport> {
    const at = now ?? Date.now();
    const deadline = at - deadAfterMs;
    let letters = 0; // dead letters of the tasks failed for good, written in the rescue's transaction
    const rescued = await withBusyRetry(() =>
      this.connection().transaction(() => {
        letters = 0;
        const rescued: LostRun[] = [];
        for (const t of this.statement('orphans').all({ deadline }) as Row[]) {
          const attempt = Number(t.attempt);
          const recurring = t.schedule !== null;
          const retry = requeuesLostAttempt({ schedule: t.schedule, attempt, retries: Number(t.retries) });
          const changed = this.statement('rescueTask').run({
            status: retry ? 'QUEUED' : 'FAILED',
            now: at,
            attempt: recurring ? 0 : attempt,
            id: t.id,
            worker: t.assigned_worker,
          }).changes;
          if (changed === 0) continue;
          const startTime = Number(t.claimed_at ?? at);
          const run = this.statement('lostRun').run({
            id: t.id,
            jobName: t.job_name,
            worker: t.assigned_worker,
            attempt,
            scheduledFor: t.next_run_time,
            startTime,
            now: at,
            durationMs: at - startTime,
            message: workerLostMessage(t.assigned_worker as string | null),
            output: t.output,
            runAs: t.run_as,
          });
          rescued.push({
            taskId: Number(t.id),
            runId: Number(run.lastInsertRowid),
            jobName: String(t.job_name),
            attempt,
            runAs: t.run_as as string | null,
            worker: t.assigned_worker as string | null,
            taskStatus: retry ? 'QUEUED' : 'FAILED',
            at,
          });
          const letter = retry
            ? null
            : lostDeadLetter(
                {
                  id: Number(t.id),
                  uuid: String(t.uuid),
                  jobName: String(t.job_name),
                  payload: t.payload as string | null,
                  scheduledFor: Number(t.next_run_time),
                  runAs: t.run_as as string | null,
                  attempt,
                  worker: t.assigned_worker as string | null,
                },
                deadLetters,
                at,
              );
          if (letter) letters += this.insertTasks([letter], at)[0].created ? 1 : 0;
        }
        this.statement('deleteDeadWorkers').run({ deadline });
        return rescued;
      })(),
    );
    lost?.push(...rescued);
    if (letters > 0) await this.notify();
    const requeued = rescued.filter((r) => r.taskStatus === 'QUEUED').length;
    return { requeued, failed: rescued.length - requeued };
  }

  async expire(now: Instant, expired?: ExpiredTask[]): Promise<number> {
    const count = await this.expireOnly(now, expired);
    if (count > 0) await this.settleFlow([], now); // their dependents and batches
    return count;
  }

  private async expireOnly(now: Instant, expired?: ExpiredTask[]): Promise<number> {
    const at = now ?? Date.now();
    if (!expired) return withBusyRetry(() => this.statement('expire').run(at, at).changes);
    const rows = (await withBusyRetry(() => this.statement('expireReporting').all(at, at))) as Row[];
    for (const r of rows) {
      expired.push({
        taskId: Number(r.id),
        jobName: String(r.job_name),
        attempt: Number(r.attempt),
        runAs: r.run_as as string | null,
        at,
      });
    }
    return rows.length;
  }

  async stopTask(taskId: number, now: number, stopped?: StoppedTask[]): Promise<TaskStatus | null> {
    const status = await this.stopOneTask(taskId, now, stopped);
    if (status === 'STOPPED') await this.settleFlow([taskId], now);
    return status;
  }

  private async stopOneTask(taskId: number, now: number, stopped?: StoppedTask[]): Promise<TaskStatus | null> {
    const result = await withBusyRetry(() =>
      this.connection()
        .transaction((): { status: TaskStatus | null; task?: StoppedTask } => {
          const row = this.statement('taskToStop').get(taskId) as Row | undefined;
          if (!row) return { status: null };
          const status = row.status as TaskStatus;
          if (status === 'QUEUED' || status === 'WAITING') {
            this.statement('stopQueued').run({ id: taskId, now });
            const task = {
              taskId,
              jobName: String(row.job_name),
              attempt: Number(row.attempt),
              runAs: row.run_as as string | null,
              at: now,
            };
            return { status: 'STOPPED', task };
          }
          if (status === 'RUNNING') this.statement('requestStop').run({ id: taskId, now });
          return { status };
        })
        .immediate(),
    );
    if (result.task) stopped?.push(result.task);
    return result.status;
  }

  async tasksHeldBy(worker: string): Promise<ClaimedTask[]> {
    const rows = (await withBusyRetry(() => this.statement('tasksHeldBy').all(worker))) as Row[];
    return rows.map((row) => claimedTaskFromRow(row));
  }

  async leaseTokens(taskIds: number[]): Promise<Map<number, string | null>> {
    if (taskIds.length === 0) return new Map();
    const rows = (await withBusyRetry(() => this.statement('leaseTokens').all(JSON.stringify(taskIds)))) as Row[];
    return new Map(rows.map((row) => [Number(row.id), row.claim_token as string | null]));
  }

  async commandWorkers(names: string[], status: WorkerStatus): Promise<void> {
    if (names.length === 0) return;
    await withBusyRetry(() => this.statement('commandWorkers').run(status, JSON.stringify(names)));
  }

  async addDefinition(definition: DefinitionSpec, now: number): Promise<boolean> {
    const params = { ...definition, active: definition.active ? 1 : 0, now };
    return (await withBusyRetry(() => this.statement('addDefinition').run(params))).changes > 0;
  }

  async updateDefinition(definition: DefinitionSpec, now: number, changed: boolean): Promise<void> {
    const params = { ...definition, active: definition.active ? 1 : 0, now, changed: changed ? 1 : 0 };
    await withBusyRetry(() => this.statement('updateDefinition').run(params));
  }

  async markDefinitionMissing(name: string, now: number): Promise<void> {
    await withBusyRetry(() => this.statement('markDefinitionMissing').run(now, name));
  }

  async setDefinitionActive(name: string, active: boolean, now: number): Promise<void> {
    await withBusyRetry(() => this.statement('setDefinitionActive').run(active ? 1 : 0, now, name));
  }

  async moveSchedule(move: ScheduleMove, definition?: DefinitionSchedule): Promise<void> {
    const { uuid, schedule, repeats, stopTime, now, nextRunTime, task } = move;
    await withBusyRetry(() =>
      this.connection()
        .transaction(() => {
          if (definition) this.statement('setDefinitionSchedule').run({ ...definition, now });
          if (task) this.statement('scheduleTaskWithFields').run({ uuid, schedule, repeats, stopTime, now, ...task });
          else this.statement('scheduleTask').run({ uuid, schedule, repeats, stopTime, now });
          if (nextRunTime !== null) this.statement('moveToFirstSlot').run({ uuid, nextRunTime });
        })
        .immediate(),
    );
  }

  async moveSlot(move: SlotMove): Promise<boolean> {
    const { taskId, from, to, now } = move;
    const result = await withBusyRetry(() =>
      to === null
        ? this.statement('expireSlot').run({ taskId, from, now })
        : this.statement('moveSlot').run({ taskId, from, to, now, resetAttempt: move.resetAttempt ? 1 : 0 }),
    );
    return result.changes > 0;
  }

  async pruneBatch(kind: 'runs' | 'tasks', filter: PruneFilter, limit: number): Promise<PrunedBatch> {
    const params = {
      before: filter.before,
      statuses: JSON.stringify(filter.statuses),
      limit,
      afterId: filter.afterId ?? 0,
    };
    if (kind === 'tasks') return pruneTasks(this.connection(), this.tables, filter, limit);
    const gone = (await withBusyRetry(() => this.statement('pruneRuns').all(params))) as { id: number }[];
    return { deleted: gone.length, lastId: gone.reduce((last, row) => Math.max(last, row.id), 0) };
  }

  waitForWork(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.wakeups.wait(timeoutMs, signal);
  }

  async notify(): Promise<void> {
    this.wakeups.wakeAll();
  }

  recordAudit(entry: AuditRecord): Promise<void> {
    return recordAudit(this.connection(), this.dataSource, entry);
  }

  async bulkTasks(action: BulkTaskAction, taskIds: number[], now: Instant): Promise<number> {
    const stopped: number[] = [];
    const changed = await bulkTasks(this.connection(), this.tables, action, taskIds, now, stopped);
    // As stopTask does: dependents of a stopped task are cancelled, its batch may be finished.
    if (stopped.length > 0) await this.settleFlow(stopped, now);
    // Retried tasks may be QUEUED again: workers waiting for work look now.
    if (action === 'retry' && changed > 0) await this.notify();
    return changed;
  }

  async runsAfter(afterId: number, limit: number): Promise<RecordedRun[]> {
    return runsAfter(this.connection(), this.tables, afterId, limit);
  }

  async lastRunId(): Promise<number> {
    return lastRunId(this.connection(), this.tables);
  }

  async notifyTaskEvents(): Promise<void> {}

  /** No notification channel: the dashboard polls its change counter. */
  async watchChanges(): Promise<null> {
    return null;
  }

  async listenTaskEvents(): Promise<null> {
    return null; // no channel between processes: the feed polls runsAfter
  }

  private get flow(): SqliteFlow {
    return (this.flowSql ??= new SqliteFlow(
      () => this.connection(),
      this.tables.task,
      (tasks) => this.enqueue(tasks),
    ));
  }
  private flowSql?: SqliteFlow;

  enqueueFlow(tasks: FlowTask[], batch: NewBatch | null, manager?: EntityManager): Promise<FlowEnqueueResult> {
    return this.flow.enqueueFlow(tasks, batch, manager);
  }

  async settleFlow(taskIds: number[], now: Instant): Promise<void> {
    if ((await this.flow.settleFlow(taskIds, now)) > 0) await this.notify();
  }

  async stopBatch(batchId: number, now: Instant): Promise<number | null> {
    const stopped = await this.flow.stopBatch(batchId, now);
    if (stopped && stopped.length > 0) await this.settleFlow(stopped, now);
    return stopped === null ? null : stopped.length;
  }

  batchState(batchId: number): Promise<BatchState | null> {
    return this.flow.batchState(batchId);
  }

  listBatches(limit: number): Promise<BatchState[]> {
    return this.flow.listBatches(limit);
  }

  private groupsSql?: SqliteGroups;
  private get groups(): SqliteGroups {
    return (this.groupsSql ??= new SqliteGroups(() => this.connection(), this.tables.task));
  }

  pauseGroup(group: string, by: string | null, now: Instant): Promise<boolean> {
    return this.groups.pause(group, by, now);
  }

  resumeGroup(group: string): Promise<boolean> {
    return this.groups.resume(group);
  }

  pausedGroups(): Promise<PausedGroup[]> {
    return this.groups.list();
  }

  private connection(): BetterSqlite3.Database {
    if (!this.db) throw new Error('SqliteEngine used before start()');
    return this.db;
  }

  private sql(name: SqliteStatement): string {
    return SQLITE_SQL[name].replace(/\{(task|run|job|worker|group_rate)\}/g, (_, table: string) =>
      table === 'group_rate'
        ? groupRateTable(this.tables.task)
        : this.tables[table as 'task' | 'run' | 'job' | 'worker'],
    );
  }

  private statement(name: SqliteStatement): BetterSqlite3.Statement {
    let statement = this.statements.get(name);
    if (!statement) {
      statement = this.connection().prepare(this.sql(name));
      this.statements.set(name, statement);
    }
    return statement;
  }
}

/** The parameters of the `insertTask` statement for `task`, stamped `now` (also its due time when it has none). */
function insertTaskParams(t: NewTask, now: number): unknown[] {
  return [
    t.uuid,
    t.jobName,
    t.payload,
    t.group,
    t.priority,
    t.nextRunTime ?? now,
    t.stopTime,
    t.timeoutMs,
    t.retries,
    t.repeats,
    t.schedule,
    t.runAs,
    t.queuedBy,
    now,
    now,
    t.traceContext ?? null,
  ];
}
