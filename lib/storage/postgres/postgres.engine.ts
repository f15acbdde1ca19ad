import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type {
  AuditRecord,
  BatchState,
  ChangeSignal,
  ChangeWatch,
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
import type { RecordedRun } from '../run-feed.js';
import { carriesDeadLetters, writtenDeadLetters, type DeadLetterRoutes } from '../dead-letter-task.js';
import type { WorkerStatus } from '../../entities/worker.entity.js';
import type { TaskStatus } from '../../types.js';
import { ChangeNotices } from '../change-notices.js';
import { PgAdmin } from './admin.sql.js';
import { ensureClaimIndex } from './claim-index.sql.js';
import { auditStatement, recordAudit } from './audit.sql.js';
import { bulkTasks } from './bulk.sql.js';
import { claimLimitedTasks } from './claim-limited.sql.js';
import { claimStatements, claimTasks } from './claim.sql.js';
import { completeStatement, completeTasks, completeTasksWithRunIds } from './complete.sql.js';
import { enqueueStatements, enqueueWithManager, enqueueWithPool } from './enqueue.sql.js';
import { PgFlow } from './flow.sql.js';
import { PgGroups } from './groups.sql.js';
import { dedupStatements, enqueueUniqueWithManager, enqueueUniqueWithPool } from './dedup.sql.js';
import { expireStatement, expireTasks, expireTasksReporting } from './expire.sql.js';
import { directListenerConfig, listenerConfig, TaskListener } from './listener.js';
import { lastRunId, notifyTaskEvents, runsAfter } from './run-feed.sql.js';
import { progressStatement, saveProgress } from './progress.sql.js';
import { rescueOrphans, rescueStatement } from './rescue.sql.js';
import { CHANGE_CHANNEL, poolQuery, poolTransaction, statement, unnamedStatement, type MakeStatement } from './sql.js';
import type { PostgresConnectionConfig } from '../postgres-options.js';
import { pgTables, type PgTables } from './tables.js';
import { heartbeat, removeWorker, stopRequests, workerStatements } from './workers.sql.js';

/** Every statement is built once per engine, from the resolved table names, named or not by the pooling mode. */
const buildStatements = (t: PgTables, make: MakeStatement) => ({
  enqueue: enqueueStatements(t, make),
  dedup: dedupStatements(t, make),
  claim: claimStatements(t, make),
  complete: completeStatement(t, make),
  completeWithRunIds: completeStatement(t, make, true),
  /** The same, for batches with a task to delete (`removeOnComplete`). */
  completeRemoving: completeStatement(t, make, false, true),
  completeRemovingWithRunIds: completeStatement(t, make, true, true),
  progress: progressStatement(t, make),
  workers: workerStatements(t, make),
  rescue: rescueStatement(t, make),
  expire: expireStatement(t, make),
  expireReporting: expireStatement(t, make, true),
  changed: make('changed', `NOTIFY ${CHANGE_CHANNEL}`),
});

export interface PostgresEngineOptions {
  /** Told when the notification listener loses its connection (it reconnects with back-off). */
  onListenerError?: (error: Error) => void;
  /**
   * `'transaction'`: the DataSource goes through a transaction-pooling PgBouncer, so statements
   * are unnamed and nothing LISTENs through it. Default `'session'`.
   */
  pooling?: 'session' | 'transaction';
  /** Where the listener connects; default the DataSource's settings, or nowhere (polling) in `'transaction'` mode. */
  listenConnection?: PostgresConnectionConfig | null;
}

/**
 * PostgreSQL engine. Hot-path statements run as named prepared statements on the pool TypeORM
 * already owns; the only connection it opens itself is the LISTEN connection for wake-ups.
 * Through a transaction-pooling PgBouncer (`pooling: 'transaction'`) every statement is unnamed
 * (one transaction each, or the limited claim's explicit one) and no session state is set; the
 * listener then uses `listenConnection`, and without it there is none: idle workers poll.
 */
export class PostgresEngine implements StorageEngine {
  readonly dialect = 'postgres' as const;
  private readonly tables: PgTables;
  private readonly sql: ReturnType<typeof buildStatements>;
  private readonly listener: TaskListener;
  private readonly admin: PgAdmin;
  /** False when there is no connection to LISTEN on: `waitForWork` is then a plain poll interval. */
  private readonly listens: boolean;
  private starting?: Promise<void>;
  /**
   * The dashboard's change notices (NOTIFY on `kronos_change`), coalesced to at most one a second
   * per process and sent after the change committed, never on the caller's path. Enqueues need
   * none: their statement's wake-up (`kronos_task`) is heard by the pages too, and like it travels
   * with the caller's transaction.
   */
  private readonly notices = new ChangeNotices(() => poolQuery(this.pool, this.sql.changed, []));
  /** Each worker's last counts, per heartbeat: a heartbeat that changes none is no change. */
  private readonly beats = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    options: PostgresEngineOptions = {},
  ) {
    this.tables = pgTables(dataSource);
    const transactionPooling = options.pooling === 'transaction';
    this.sql = buildStatements(this.tables, transactionPooling ? unnamedStatement : statement);
    this.admin = new PgAdmin(() => this.pool, this.tables);
    const driver = dataSource.driver as unknown as { postgres: typeof import('pg'); options: Record<string, unknown> };
    const listen = options.listenConnection
      ? directListenerConfig(options.listenConnection)
      : transactionPooling
        ? null
        : listenerConfig(driver.options);
    this.listens = listen !== null;
    this.listener = new TaskListener({
      createClient: () => new driver.postgres.Client(listen ?? undefined),
      onError: options.onListenerError,
    });
  }

  /** The pool TypeORM created for the DataSource (the primary when replication is configured). */
  private get pool(): Pool {
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool) throw new Error('Kronos: the PostgreSQL DataSource is not initialized');
    return pool;
  }

  start(): Promise<void> {
    this.notices.open();
    this.starting ??= (async () => {
      await ensureClaimIndex(this.pool, this.tables);
      if (this.listens) await this.listener.start();
    })().catch((error) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  async close(): Promise<void> {
    this.starting = undefined;
    this.notices.close();
    await this.listener.close();
  }

  enqueue(tasks: NewTask[], manager?: EntityManager): Promise<EnqueueResult[]> {
    return manager
      ? enqueueWithManager(manager, this.sql.enqueue, tasks)
      : enqueueWithPool(this.pool, this.sql.enqueue, tasks);
  }

  async enqueueUnique(task: NewTask, dedup: DedupRequest, manager?: EntityManager): Promise<UniqueEnqueueResult> {
    if (manager) return enqueueUniqueWithManager(manager, this.sql.dedup, task, dedup);
    const result = await enqueueUniqueWithPool(this.pool, this.sql.dedup, task, dedup);
    if (result.deduplicated === 'replaced' || result.deduplicated === 'extended') this.notices.mark();
    return result;
  }

  claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    return this.changing(this.claimDue(request), (claimed) => claimed.length > 0);
  }

  private claimDue(request: ClaimRequest): Promise<ClaimedTask[]> {
    if (request.maxRunning !== undefined || request.rate !== undefined || request.groupRate !== undefined)
      return claimLimitedTasks(this.pool, this.tables, this.sql.claim, request);
    return claimTasks(this.pool, this.sql.claim, request);
  }

  async complete(outcomes: TaskOutcome[], runIds?: number[]): Promise<number[]> {
    const flagged: number[] = []; // tasks with dependents or a batch (flow <> 0): none for most batches
    const fenced = carriesDeadLetters(outcomes)
      ? await poolTransaction(this.pool, (client) => this.completeOn(client, outcomes, runIds, flagged, true))
      : await this.completeOn(this.pool, outcomes, runIds, flagged, false);
    if (fenced.length < outcomes.length) this.notices.mark();
    if (flagged.length > 0) await this.settleAfterCompletion(flagged);
    return fenced;
  }

  /**
   * The completion statement (one statement, its own transaction on the pool); with `letters`,
   * inside the caller's transaction followed by the insert of the written outcomes' dead letters,
   * so a last failure and its dead letter commit together.
   */
  private async completeOn(
    db: Pool,
    outcomes: TaskOutcome[],
    runIds: number[] | undefined,
    flagged: number[],
    letters: boolean,
  ): Promise<number[]> {
    if (letters) runIds?.splice(0); // a retried transaction starts over
    const removing = outcomes.some((o) => o.removeTask === true);
    const fenced = runIds
      ? await completeTasksWithRunIds(
          db,
          removing ? this.sql.completeRemovingWithRunIds : this.sql.completeWithRunIds,
          outcomes,
          runIds,
          flagged,
        )
      : await completeTasks(db, removing ? this.sql.completeRemoving : this.sql.complete, outcomes, flagged);
    if (letters) {
      const deadLetters = writtenDeadLetters(outcomes, fenced);
      if (deadLetters.length > 0) await enqueueWithPool(db, this.sql.enqueue, deadLetters);
    }
    return fenced;
  }

  /** The completion is committed; its dependents and batches are settled after it, never failing it. */
  private async settleAfterCompletion(taskIds: number[]): Promise<void> {
    try {
      await this.settleFlow(taskIds, null);
    } catch {
      // Settling is idempotent: the next settle of these tasks (a stop, an admin action) catches up.
    }
  }

  saveProgress(updates: ProgressUpdate[]): Promise<number[]> {
    return this.changing(saveProgress(this.pool, this.sql.progress, updates), (lost) => lost.length < updates.length);
  }

  stopRequests(worker: string): Promise<number[]> {
    return stopRequests(this.pool, this.sql.workers, worker);
  }

  async heartbeat(worker: WorkerRecord, now: Instant): Promise<string> {
    const status = await heartbeat(this.pool, this.sql.workers, worker, now);
    const counts = `${worker.running}.${worker.completed}.${worker.failed}.${status}`;
    if (this.beats.get(worker.name) !== counts) {
      this.beats.set(worker.name, counts);
      this.notices.mark();
    }
    return status;
  }

  async removeWorker(name: string): Promise<void> {
    await removeWorker(this.pool, this.sql.workers, name);
    this.beats.delete(name);
    this.notices.mark();
  }

  async rescueOrphans(
    deadAfterMs: number,
    now: Instant,
    lost?: LostRun[],
    deadLetters?: DeadLetterRoutes,
  ): Promise<RescueReport> {
    const report =
      deadLetters && deadLetters.size > 0
        ? await poolTransaction(this.pool, (client) =>
            rescueOrphans(client, this.sql.rescue, deadAfterMs, now, lost, {
              routes: deadLetters,
              enqueue: (letters) => enqueueWithPool(client, this.sql.enqueue, letters),
            }),
          )
        : await rescueOrphans(this.pool, this.sql.rescue, deadAfterMs, now, lost);
    if (report.requeued + report.failed > 0) this.notices.mark();
    if (report.failed > 0) await this.settleFlow([], now); // their dependents and batches
    return report;
  }

  async expire(now: Instant, expired?: ExpiredTask[]): Promise<number> {
    const count = expired
      ? await expireTasksReporting(this.pool, this.sql.expireReporting, now, expired)
      : await expireTasks(this.pool, this.sql.expire, now);
    if (count > 0) this.notices.mark();
    if (count > 0) await this.settleFlow([], now); // their dependents and batches
    return count;
  }

  async stopTask(taskId: number, now: number, stopped?: StoppedTask[]): Promise<TaskStatus | null> {
    const status = await this.admin.stopTask(taskId, now, stopped);
    if (status !== null) this.notices.mark();
    if (status === 'STOPPED') await this.settleFlow([taskId], now);
    return status;
  }

  tasksHeldBy(worker: string): Promise<ClaimedTask[]> {
    return this.admin.tasksHeldBy(worker);
  }

  leaseTokens(taskIds: number[]): Promise<Map<number, string | null>> {
    return this.admin.leaseTokens(taskIds);
  }

  commandWorkers(names: string[], status: WorkerStatus): Promise<void> {
    return this.changing(this.admin.commandWorkers(names, status));
  }

  addDefinition(definition: DefinitionSpec, now: number): Promise<boolean> {
    return this.changing(this.admin.addDefinition(definition, now), (added) => added);
  }

  updateDefinition(definition: DefinitionSpec, now: number, changed: boolean): Promise<void> {
    return this.changing(this.admin.updateDefinition(definition, now, changed));
  }

  markDefinitionMissing(name: string, now: number): Promise<void> {
    return this.changing(this.admin.markDefinitionMissing(name, now));
  }

  setDefinitionActive(name: string, active: boolean, now: number): Promise<void> {
    return this.changing(this.admin.setDefinitionActive(name, active, now));
  }

  moveSchedule(move: ScheduleMove, definition?: DefinitionSchedule): Promise<void> {
    return this.changing(this.admin.moveSchedule(move, definition));
  }

  moveSlot(move: SlotMove): Promise<boolean> {
    return this.changing(this.admin.moveSlot(move), (moved) => moved);
  }

  pruneBatch(kind: 'runs' | 'tasks', filter: PruneFilter, limit: number): Promise<PrunedBatch> {
    return this.changing(this.admin.pruneBatch(kind, filter, limit), (batch) => batch.deleted > 0);
  }

  /** `work`'s result, with a change notice once it is done when `changed` says it changed something. */
  private async changing<T>(work: Promise<T>, changed: (result: T) => boolean = () => true): Promise<T> {
    const result = await work;
    if (changed(result)) this.notices.mark();
    return result;
  }

  waitForWork(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.listener.wait(timeoutMs, signal);
  }

  async notify(): Promise<void> {
    await poolQuery(this.pool, this.sql.enqueue.notify, []);
  }

  runsAfter(afterId: number, limit: number): Promise<RecordedRun[]> {
    return runsAfter(this.pool, this.tables, afterId, limit);
  }

  lastRunId(): Promise<number> {
    return lastRunId(this.pool, this.tables);
  }

  notifyTaskEvents(payloads: string[]): Promise<void> {
    return notifyTaskEvents(this.pool, payloads);
  }

  async watchChanges(onSignal: (signal: ChangeSignal) => void): Promise<ChangeWatch | null> {
    if (!this.listens) return null;
    const listener = this.listener;
    const stop = await listener.watchChanges(onSignal);
    return {
      get listening() {
        return listener.connected;
      },
      stop,
    };
  }

  async listenTaskEvents(onPayload: (payload: string) => void): Promise<(() => Promise<void>) | null> {
    if (!this.listens) return null;
    await this.listener.listenEvents(onPayload);
    return () => this.listener.listenEvents(null);
  }

  recordAudit(entry: AuditRecord): Promise<void> {
    return this.changing(recordAudit(this.pool, auditStatement(this.dataSource), entry));
  }

  async bulkTasks(action: BulkTaskAction, taskIds: number[], now: Instant): Promise<number> {
    const stopped: number[] = [];
    const changed = await bulkTasks(this.pool, this.tables, action, taskIds, now, stopped);
    if (changed > 0) this.notices.mark();
    // As stopTask does: dependents of a stopped task are cancelled, its batch may be finished.
    if (stopped.length > 0) await this.settleFlow(stopped, now);
    // Retried tasks may be QUEUED again: workers waiting for work look now.
    if (action === 'retry' && changed > 0) await this.notify();
    return changed;
  }

  private get flow(): PgFlow {
    return (this.flowSql ??= new PgFlow(
      () => this.pool,
      this.tables,
      (tasks) => this.enqueue(tasks),
    ));
  }
  private flowSql?: PgFlow;

  enqueueFlow(tasks: FlowTask[], batch: NewBatch | null, manager?: EntityManager): Promise<FlowEnqueueResult> {
    // In the caller's transaction, its commit is announced by the wake-up the caller sends after it.
    if (manager) return this.flow.enqueueFlow(tasks, batch, manager);
    return this.changing(this.flow.enqueueFlow(tasks, batch));
  }

  async settleFlow(taskIds: number[], now: Instant): Promise<void> {
    if ((await this.flow.settleFlow(taskIds, now)) > 0) await this.notify();
  }

  async stopBatch(batchId: number, now: Instant): Promise<number | null> {
    const stopped = await this.flow.stopBatch(batchId, now);
    if (stopped && stopped.length > 0) this.notices.mark();
    if (stopped && stopped.length > 0) await this.settleFlow(stopped, now);
    return stopped === null ? null : stopped.length;
  }

  batchState(batchId: number): Promise<BatchState | null> {
    return this.flow.batchState(batchId);
  }

  listBatches(limit: number): Promise<BatchState[]> {
    return this.flow.listBatches(limit);
  }

  private groupsSql?: PgGroups;
  private get groups(): PgGroups {
    return (this.groupsSql ??= new PgGroups(() => this.pool, this.tables));
  }

  pauseGroup(group: string, by: string | null, now: Instant): Promise<boolean> {
    return this.changing(this.groups.pause(group, by, now), (paused) => paused);
  }

  resumeGroup(group: string): Promise<boolean> {
    return this.changing(this.groups.resume(group), (resumed) => resumed);
  }

  pausedGroups(): Promise<PausedGroup[]> {
    return this.groups.list();
  }
}
