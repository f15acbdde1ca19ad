import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { RunStatus } from '../types.js';
import { epochMs, STATUS_INDEX_CONDITION, TABLES } from './columns.js';

/** The Activity log: one row per execution attempt. */
@Entity(TABLES.run)
@Index('kronos_run_task', ['taskId'])
@Index('kronos_run_job', ['jobName', 'id'])
// Runs by status, newest first, for every status but COMPLETED (most of the log, found by walking
// the primary key): partial on PostgreSQL and SQLite.
@Index('kronos_run_status', ['status', 'id'], { where: STATUS_INDEX_CONDITION })
export class Run {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'task_id', type: 'integer' })
  taskId!: number;

  @Column({ name: 'job_name', type: 'varchar', length: 200 })
  jobName!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: RunStatus;

  @Column({ type: 'varchar', length: 200, nullable: true })
  worker!: string | null;

  @Column({ type: 'integer', default: 1 })
  attempt!: number;

  /** The schedule slot (or due time) this run was for. */
  @Column({ name: 'scheduled_for', type: 'bigint', nullable: true, transformer: epochMs })
  scheduledFor!: number | null;

  @Column({ name: 'start_time', type: 'bigint', transformer: epochMs })
  startTime!: number;

  @Column({ name: 'stop_time', type: 'bigint', nullable: true, transformer: epochMs })
  stopTime!: number | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  /** The handler's return value (JSON text). */
  @Column({ type: 'text', nullable: true })
  result!: string | null;

  /** For users: what happened, in one line. */
  @Column({ type: 'text', nullable: true })
  message!: string | null;

  /** For admins: progress lines and captured log output. */
  @Column({ type: 'text', nullable: true })
  output!: string | null;

  @Column({ type: 'text', nullable: true })
  traceback!: string | null;

  @Column({ name: 'run_as', type: 'varchar', length: 200, nullable: true })
  runAs!: string | null;
}
