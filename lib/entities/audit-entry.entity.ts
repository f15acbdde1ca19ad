import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, TABLES } from './columns.js';

/** What a recorded action came to: carried out, or refused with a reason (`detail`). */
export type AuditOutcome = 'ok' | 'error';

/**
 * The audit trail: one row per state-changing action taken from the dashboard (toggle a job,
 * run it now, stop or retry a task, a worker command, a bulk action...), written by the storage
 * engine. Read newest first by primary key.
 */
@Entity(TABLES.audit)
export class AuditEntry {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** When the action was taken (epoch ms, the database clock unless a test clock is set). */
  @Column({ type: 'bigint', transformer: epochMs })
  at!: number;

  /** Who took it, as the dashboard's `actor` option names the request's user. */
  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  /** The action, e.g. `deactivate`, `stop`, `retry`, `workers:kill`, `bulk:retry`. */
  @Column({ type: 'varchar', length: 40 })
  action!: string;

  /** What it addressed: `job:<name>`, `task:<id>`, `workers:<group>`, a filter... */
  @Column({ type: 'varchar', length: 200, nullable: true })
  target!: string | null;

  /** Rows the action changed or inserted (0 when refused). */
  @Column({ name: 'rows_changed', type: 'integer', default: 0 })
  rowsChanged!: number;

  @Column({ type: 'varchar', length: 8 })
  outcome!: AuditOutcome;

  /** What the administrator was told (the flash message). */
  @Column({ type: 'text', nullable: true })
  detail!: string | null;
}
