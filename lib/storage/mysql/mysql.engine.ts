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
import type { WorkerStatus } from '../../entities/worker.entity.js';
import type { TaskStatus } from '../../types.js';
import { MysqlAdmin } from './admin.sql.js';
import { ensureClaimIndex } from './claim-index.sql.js';
import { recordAudit } from './audit.sql.js';
import { bulkTasks } from './bulk.sql.js';
import { lastRunId, runsAfter } from './run-feed.sql.js';
import { claimStatements, claimTasks } from './claim.sql.js';
import { completeTasks } from './complete.sql.js';
import type { DeadLetterRoutes } from '../dead-letter-task.js';
import { MysqlFlow } from './flow.sql.js';
import { MysqlGroups } from './groups.sql.js';
import { managerSession, MysqlConnections } from './connection.js';
import { insertTasks } from './enqueue.sql.js';
import { enqueueUniqueOn } from './dedup.sql.js';
import { expireStatement, expireTasks, expireTasksReporting } from './expire.sql.js';
import { saveProgress } from './progress.sql.js';
import { rescueOrphans, rescueStatements } from './rescue.sql.js';
import { mysqlTables, type MysqlTables } from './sql.js';
import { heartbeat, removeWorker, stopRequests, workerStatements } from './workers.sql.js';
import { LocalWakeups } from '../local-wakeups.js';

/**
 * MySQL 8 / MariaDB 10.6+ engine. Every operation borrows a connection from the pool TypeORM
 * owns for the DataSource and runs its own short transaction; claims lock with
 * `FOR UPDATE SKIP LOCKED`, so any number of nodes can claim from one table.
 *
 * There is no notification channel (no LISTEN/NOTIFY): idle workers poll, and a worker in the
 * same process is woken directly by `notify()`, as on SQLite.
 */
export class MysqlEngine implements StorageEngine {
  readonly dialect = 'mysql' as const;
  private readonly tables: MysqlTables;
  private readonly db: MysqlConnections;
  private readonly admin: MysqlAdmin;
  private readonly sql: {
    claim: ReturnType<typeof claimStatements>;
    workers: ReturnType<typeof workerStatements>;
    rescue: ReturnType<typeof rescueStatements>;
    expire: ReturnType<typeof expireStatement>;
  };
  private readonly wakeups = new LocalWakeups();
  private starting?: Promise<void>;

  constructor(private readonly dataSource: DataSource) {
    this.tables = mysqlTables(dataSource);
    this.db = new MysqlConnections(dataSource);
    this.admin = new MysqlAdmin(this.db, this.tables);
    this.sql = {
      claim: claimStatements(this.tables),
      workers: workerStatements(this.tables),
      rescue: rescueStatements(this.tables),
      expire: expireStatement(this.tables),
    };
  }

  start(): Promise<void> {
    this.starting ??= ensureClaimIndex(this.db, this.dataSource, this.tables).catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  async close(): Promise<void> {
    this.starting = undefined;
    this.wakeups.wakeAll();
  }

  async enqueue(tasks: NewTask[], manager?: EntityManager): Promise<EnqueueResult[]> {
    // Inside the caller's transaction, on the caller's connection: a rollback removes the tasks.
    // Nobody is woken then: the tasks are invisible until the caller commits, and polling finds them.
    if (manager) return insertTasks(managerSession(manager), this.tables, tasks);
    if (tasks.length === 0) return [];
    const results = await this.db.transaction((session) => insertTasks(session, this.tables, tasks));
    if (results.some((r) => r.created)) await this.notify();
    return results;
  }

  async enqueueUnique(task: NewTask, dedup: DedupRequest, manager?: EntityManager): Promise<UniqueEnqueueResult> {
    if (manager) return enqueueUniqueOn(managerSession(manager), this.tables, task, dedup);
    const result = await this.db.autocommit((session) => enqueueUniqueOn(session, this.tables, task, dedup));
    if (result.created) await this.notify();
    return result;
  }

  claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    return claimTasks(this.db, this.sql.claim, request);
  }

  async complete(outcomes: TaskOutcome[], runIds?: number[]): Promise<number[]> {
    const flagged: number[] = []; // tasks with dependents or a batch (flow <> 0): none for most batches
    const letters = { created: 0 }; // dead letters written with the outcomes
    const lost = await completeTasks(this.db, this.tables, outcomes, runIds, flagged, letters);
    if (letters.created > 0) await this.notify();
    if (flagged.length > 0) {
      // The completion is committed; settling after it never fails it (it is idempotent, a later settle catches up).
      await this.settleFlow(flagged, null).catch(() => undefined);
    }
    return lost;
  }

  saveProgress(updates: ProgressUpdate[]): Promise<number[]> {
    return saveProgress(this.db, this.tables, updates);
  }

  stopRequests(worker: string): Promise<number[]> {
    return stopRequests(this.db, this.sql.workers, worker);
  }

  heartbeat(worker: WorkerRecord, now: Instant): Promise<string> {
    return heartbeat(this.db, this.sql.workers, worker, now);
  }

  removeWorker(name: string): Promise<void> {
    return removeWorker(this.db, this.sql.workers, name);
  }

  async rescueOrphans(
    deadAfterMs: number,
    now: Instant,
    lost?: LostRun[],
    deadLetters?: DeadLetterRoutes,
  ): Promise<RescueReport> {
    const { deadLetters: queued, ...report } = await rescueOrphans(
      this.db,
      this.sql.rescue,
      this.tables,
      deadAfterMs,
      now,
      lost,
      deadLetters,
    );
    if (queued > 0) await this.notify();
    if (report.failed > 0) await this.settleFlow([], now); // their dependents and batches
    return report;
  }

  async expire(now: Instant, expired?: ExpiredTask[]): Promise<number> {
    const count = expired
      ? await expireTasksReporting(this.db, this.tables, now, expired)
      : await expireTasks(this.db, this.sql.expire, now);
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

  pruneBatch(kind: 'runs' | 'tasks', filter: PruneFilter, limit: number): Promise<PrunedBatch> {
    return this.admin.pruneBatch(kind, filter, limit);
  }

  waitForWork(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.wakeups.wait(timeoutMs, signal);
  }

  async notify(): Promise<void> {
    this.wakeups.wakeAll();
  }

  recordAudit(entry: AuditRecord): Promise<void> {
    return recordAudit(this.db, this.dataSource, entry);
  }

  async bulkTasks(action: BulkTaskAction, taskIds: number[], now: Instant): Promise<number> {
    const stopped: number[] = [];
    const changed = await bulkTasks(this.db, this.tables, action, taskIds, now, stopped);
    // As stopTask does: dependents of a stopped task are cancelled, its batch may be finished.
    if (stopped.length > 0) await this.settleFlow(stopped, now);
    // Retried tasks may be QUEUED again: workers waiting for work look now.
    if (action === 'retry' && changed > 0) await this.notify();
    return changed;
  }

  runsAfter(afterId: number, limit: number): Promise<RecordedRun[]> {
    return runsAfter(this.db, this.tables, afterId, limit);
  }

  lastRunId(): Promise<number> {
    return lastRunId(this.db, this.tables);
  }

  async notifyTaskEvents(): Promise<void> {}

  /** No notification channel: the dashboard polls its change counter. */
  async watchChanges(): Promise<null> {
    return null;
  }

  async listenTaskEvents(): Promise<null> {
    return null; // no channel between processes: the feed polls runsAfter
  }

  private get flow(): MysqlFlow {
    return (this.flowSql ??= new MysqlFlow(this.db, this.tables, (tasks) => this.enqueue(tasks)));
  }
  private flowSql?: MysqlFlow;

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

  private groupsSql?: MysqlGroups;
  private get groups(): MysqlGroups {
    return (this.groupsSql ??= new MysqlGroups(this.db, this.tables));
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
