import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
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
  RescueReport,
  ScheduleMove,
  SlotMove,
  StoppedTask,
  StorageEngine,
  TaskOutcome,
  WorkerRecord,
} from '../engine.js';
import type { RecordedRun } from '../run-feed.js';
import type { WorkerStatus } from '../../entities/worker.entity.js';
import type { TaskStatus } from '../../types.js';
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
import { poolQuery, statement, unnamedStatement, type MakeStatement } from './sql.js';
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
  progress: progressStatement(t, make),
  workers: workerStatements(t, make),
  rescue: rescueStatement(t, make),
  expire: expireStatement(t, make),
  expireReporting: expireStatement(t, make, true),
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
    await this.listener.close();
  }

  enqueue(tasks: NewTask[], manager?: EntityManager): Promise<EnqueueResult[]> {
    return manager
      ? enqueueWithManager(manager, this.sql.enqueue, tasks)
      : enqueueWithPool(this.pool, this.sql.enqueue, tasks);
  }

  enqueueUnique(task: NewTask, dedup: DedupRequest, manager?: EntityManager): Promise<UniqueEnqueueResult> {
    return manager
      ? enqueueUniqueWithManager(manager, this.sql.dedup, task, dedup)
      : enqueueUniqueWithPool(this.pool, this.sql.dedup, task, dedup);
  }

  claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    if (request.maxRunning !== undefined || request.rate !== undefined || request.groupRate !== undefined)
      return claimLimitedTasks(this.pool, this.tables, this.sql.claim, request);
    return claimTasks(this.pool, this.sql.claim, request);
  }

  async complete(outcomes: TaskOutcome[], runIds?: number[]): Promise<number[]> {
    const flagged: number[] = []; // tasks with dependents or a batch (flow <> 0): none for most batches
    const fenced = runIds
      ? await completeTasksWithRunIds(this.pool, this.sql.completeWithRunIds, outcomes, runIds, flagged)
      : await completeTasks(this.pool, this.sql.complete, outcomes, flagged);
    if (flagged.length > 0) await this.settleAfterCompletion(flagged);
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
    return saveProgress(this.pool, this.sql.progress, updates);
  }

  stopRequests(worker: string): Promise<number[]> {
    return stopRequests(this.pool, this.sql.workers, worker);
  }

  heartbeat(worker: WorkerRecord, now: Instant): Promise<string> {
    return heartbeat(this.pool, this.sql.workers, worker, now);
  }

  removeWorker(name: string): Promise<void> {
    return removeWorker(this.pool, this.sql.workers, name);
  }

  async rescueOrphans(deadAfterMs: number, now: Instant, lost?: LostRun[]): Promise<RescueReport> {
    const report = await rescueOrphans(this.pool, this.sql.rescue, deadAfterMs, now, lost);
    if (report.failed > 0) await this.settleFlow([], now); // their dependents and batches
    return report;
  }

  async expire(now: Instant, expired?: ExpiredTask[]): Promise<number> {
    const count = expired
      ? await expireTasksReporting(this.pool, this.sql.expireReporting, now, expired)
      : await expireTasks(this.pool, this.sql.expire, now);
    if (count > 0) await this.settleFlow([], now); // their dependents and batches
    return count;
  }

  async stopTask(taskId: number, now: number, stopped?: StoppedTask[]): Promise<TaskStatus | null> {
    const status = await this.admin.stopTask(taskId, now, stopped);
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
    return this.admin.commandWorkers(names, status);
  }

  addDefinition(definition: DefinitionSpec, now: number): Promise<boolean> {
    return this.admin.addDefinition(definition, now);
  }

  updateDefinition(definition: DefinitionSpec, now: number, changed: boolean): Promise<void> {
    return this.admin.updateDefinition(definition, now, changed);
  }

  markDefinitionMissing(name: string, now: number): Promise<void> {
    return this.admin.markDefinitionMissing(name, now);
  }

  setDefinitionActive(name: string, active: boolean, now: number): Promise<void> {
    return this.admin.setDefinitionActive(name, active, now);
  }

  moveSchedule(move: ScheduleMove, definition?: DefinitionSchedule): Promise<void> {
    return this.admin.moveSchedule(move, definition);
  }

  moveSlot(move: SlotMove): Promise<boolean> {
    return this.admin.moveSlot(move);
  }

  pruneBatch(kind: 'runs' | 'tasks', filter: PruneFilter, limit: number): Promise<number> {
    return this.admin.pruneBatch(kind, filter, limit);
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

  async listenTaskEvents(onPayload: (payload: string) => void): Promise<(() => Promise<void>) | null> {
    if (!this.listens) return null;
    await this.listener.listenEvents(onPayload);
    return () => this.listener.listenEvents(null);
  }

  recordAudit(entry: AuditRecord): Promise<void> {
    return recordAudit(this.pool, auditStatement(this.dataSource), entry);
  }

  async bulkTasks(action: BulkTaskAction, taskIds: number[], now: Instant): Promise<number> {
    const stopped: number[] = [];
    const changed = await bulkTasks(this.pool, this.tables, action, taskIds, now, stopped);
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

  private groupsSql?: PgGroups;
  private get groups(): PgGroups {
    return (this.groupsSql ??= new PgGroups(() => this.pool, this.tables));
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
}
