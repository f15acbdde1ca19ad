import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs, TABLES } from './columns.js';

/** Worker status doubles as the command addressed to it (web2py semantics). */
export type WorkerStatus = 'ACTIVE' | 'DISABLED' | 'TERMINATE' | 'KILL';

/** One row per live worker process, kept fresh by heartbeats. */
@Entity(TABLES.worker)
export class Worker {
  /** `host#pid#random`. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 200 })
  hostname!: string;

  @Column({ type: 'integer' })
  pid!: number;

  /** JSON array of group names. */
  @Column({ type: 'text' })
  groups!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: WorkerStatus;

  @Column({ name: 'first_heartbeat', type: 'bigint', transformer: epochMs })
  firstHeartbeat!: number;

  @Column({ name: 'last_heartbeat', type: 'bigint', transformer: epochMs })
  lastHeartbeat!: number;

  @Column({ type: 'integer', default: 0 })
  running!: number;

  @Column({ type: 'integer', default: 0 })
  completed!: number;

  @Column({ type: 'integer', default: 0 })
  failed!: number;
}
