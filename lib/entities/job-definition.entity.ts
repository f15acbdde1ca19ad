import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JobKind } from '../types.js';
import { epochMs, TABLES } from './columns.js';

/** One row per discovered `@Job` / `@ScheduledTask` (or `scheduler.ini` section). */
@Entity(TABLES.job)
export class JobDefinition {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: JobKind;

  /** The schedule as written in code (JSON), null for queued jobs. */
  @Column({ type: 'text', nullable: true })
  schedule!: string | null;

  /** The schedule after validation and normalisation (JSON), null for queued jobs. */
  @Column({ name: 'schedule_normalized', type: 'text', nullable: true })
  scheduleNormalized!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone!: string | null;

  /** `'admin'` once `reschedule()` replaced the schedule from code: discovery then keeps it. */
  @Column({ name: 'schedule_set_by', type: 'varchar', length: 8, default: 'code' })
  scheduleSetBy!: 'code' | 'admin';

  /** Admin-owned toggle: discovery never overwrites it once `activeSetBy` is `'admin'`. */
  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ name: 'active_set_by', type: 'varchar', length: 8, default: 'code' })
  activeSetBy!: 'code' | 'admin';

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs!: number | null;

  @Column({ type: 'integer', default: 0 })
  retries!: number;

  @Column({ name: 'group_name', type: 'varchar', length: 64 })
  group!: string;

  @Column({ type: 'integer', default: 0 })
  priority!: number;

  /** Default keyword arguments (JSON), merged under a task's payload. */
  @Column({ type: 'text', nullable: true })
  kwargs!: string | null;

  /** Where the definition comes from: `'code'` (decorators) or `'ini'` (scheduler.ini). */
  @Column({ type: 'varchar', length: 16, default: 'code' })
  source!: string;

  /** In the database but no longer in code: kept and flagged, never run. */
  @Column({ type: 'boolean', default: false })
  missing!: boolean;

  @Column({ name: 'first_seen', type: 'bigint', transformer: epochMs })
  firstSeen!: number;

  @Column({ name: 'last_seen', type: 'bigint', transformer: epochMs })
  lastSeen!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt!: number;

  /**
   * Rate limit state (`JobOptions.rateLimit`): the start of the current window (epoch ms, a
   * multiple of the window's length) and how many tasks were claimed in it. Written only by the
   * claims of a rate-limited job, under the lock on this row.
   */
  @Column({ name: 'rate_window', type: 'bigint', nullable: true })
  rateWindow!: string | null;

  @Column({ name: 'rate_count', type: 'integer', default: 0 })
  rateCount!: number;
}
