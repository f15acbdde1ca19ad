import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { TaskStatus } from '../types.js';
import { epochMs, STATUS_INDEX_CONDITION, TABLES } from './columns.js';

/** One unit of queued work (web2py's scheduler_task). */
@Entity(TABLES.task)
// Two of these indexes leave out the rows nobody looks them up by (partial on PostgreSQL and
// SQLite; MySQL indexes every row): every index a row version enters costs the claim or the
// completion that wrote it an index insertion (docs/performance.md).
// A job's tasks by status, newest first (concurrency limits, the dashboard's job filter).
@Index('kronos_task_job_status', ['jobName', 'status'])
// A worker's tasks: only claimed ones have a worker.
@Index('kronos_task_worker', ['assignedWorker'], { where: `"assigned_worker" IS NOT NULL` })
// Lists filtered by status, newest first (the dashboard's keyset pages and capped counts);
// COMPLETED rows are most of the table, found by walking the primary key.
@Index('kronos_task_status', ['status', 'id'], { where: STATUS_INDEX_CONDITION })
// The claim index: partial (QUEUED rows only) and ordered like the claim query, created by the
// migrations and by each engine's start-up with dialect-specific SQL; TypeORM must not touch it.
@Index('kronos_task_due', { synchronize: false })
// Deduplication keys, unique per job: only rows that hold a key enter it (MySQL indexes every
// row, but never updates it on claim or completion: its columns do not change).
@Index('kronos_task_dedup', ['jobName', 'dedupKey'], { unique: true, where: `"dedup_key" IS NOT NULL` })
// A batch's tasks by status (docs/flow-control.md): only batch members enter it.
@Index('kronos_task_batch_id', ['batchId', 'status'], { where: `"batch_id" IS NOT NULL` })
export class Task {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** Idempotency key: enqueuing the same uuid twice returns the existing task. */
  @Index('kronos_task_uuid', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  uuid!: string;

  @Column({ name: 'job_name', type: 'varchar', length: 200 })
  jobName!: string;

  /** JSON text. */
  @Column({ type: 'text', nullable: true })
  payload!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: TaskStatus;

  @Column({ name: 'group_name', type: 'varchar', length: 64 })
  group!: string;

  @Column({ type: 'integer', default: 0 })
  priority!: number;

  @Column({ name: 'next_run_time', type: 'bigint', transformer: epochMs })
  nextRunTime!: number;

  @Column({ name: 'stop_time', type: 'bigint', nullable: true, transformer: epochMs })
  stopTime!: number | null;

  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs!: number | null;

  /** Retries allowed after a failed attempt of one occurrence. */
  @Column({ type: 'integer', default: 0 })
  retries!: number;

  /** Attempts made for the current occurrence (reset when a recurring task moves on). */
  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  @Column({ name: 'times_run', type: 'integer', default: 0 })
  timesRun!: number;

  @Column({ name: 'times_failed', type: 'integer', default: 0 })
  timesFailed!: number;

  /** Recurring tasks: total runs allowed (0 = forever). */
  @Column({ type: 'integer', default: 0 })
  repeats!: number;

  /** Recurring tasks: the normalised schedule (JSON). */
  @Column({ type: 'text', nullable: true })
  schedule!: string | null;

  @Column({ name: 'last_run_time', type: 'bigint', nullable: true, transformer: epochMs })
  lastRunTime!: number | null;

  @Column({ name: 'assigned_worker', type: 'varchar', length: 200, nullable: true })
  assignedWorker!: string | null;

  /** Fencing token written by the claim; every write-back must match it. */
  @Column({ name: 'claim_token', type: 'varchar', length: 64, nullable: true })
  claimToken!: string | null;

  @Column({ name: 'claimed_at', type: 'bigint', nullable: true, transformer: epochMs })
  claimedAt!: number | null;

  /** The user the task runs as (impersonation), set by server code only. */
  @Column({ name: 'run_as', type: 'varchar', length: 200, nullable: true })
  runAs!: string | null;

  @Column({ name: 'queued_by', type: 'varchar', length: 200, nullable: true })
  queuedBy!: string | null;

  @Column({ type: 'integer', nullable: true })
  progress!: number | null;

  @Column({ name: 'progress_message', type: 'text', nullable: true })
  progressMessage!: string | null;

  /** Output of the attempt in progress (moved to its run when it ends). */
  @Column({ type: 'text', nullable: true })
  output!: string | null;

  @Column({ name: 'stop_requested', type: 'boolean', default: false })
  stopRequested!: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt!: number;

  /**
   * The W3C trace context (`{"traceparent":…,"tracestate":…}`) of the span that enqueued the
   * task; null unless an OpenTelemetry tracer provider was registered (docs/observability.md).
   */
  @Column({ name: 'trace_context', type: 'text', nullable: true })
  traceContext!: string | null;

  /**
   * The deduplication key given with `enqueue({ unique: { key } })`, unique per job while it is
   * set; null for tasks queued without one, and once its window has passed and a later enqueue
   * of the same key took it over (docs/flow-control.md).
   */
  @Column({ name: 'dedup_key', type: 'varchar', length: 255, nullable: true })
  dedupKey!: string | null;

  /** End of the deduplication window (epoch ms): until then, the key returns this task. */
  @Column({ name: 'dedup_until', type: 'bigint', nullable: true, transformer: epochMs })
  dedupUntil!: number | null;

  /**
   * Dependencies and batches (docs/flow-control.md): 1 when other tasks depend on this one, 2
   * when it belongs to a batch (both: 3); 0 for every other task, whose completion does nothing more.
   */
  @Column({ type: 'integer', default: 0 })
  flow!: number;

  /** The batch this task was enqueued in (`SchedulerService.batch`), else null. */
  @Column({ name: 'batch_id', type: 'bigint', nullable: true, transformer: epochMs })
  batchId!: number | null;
}
