import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A data record that, once approved, changes the statistics. */
@Entity('sample_record')
export class DataRecord {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  value!: number;

  @Column({ type: 'boolean', default: false })
  approved!: boolean;

  @Column({ name: 'approved_by', type: 'integer', nullable: true })
  approvedBy!: number | null;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt!: number;
}

/** Aggregates recomputed by the `stats.update-aggregate` job. */
@Entity('sample_stats')
export class Stats {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer', default: 0 })
  approvedCount!: number;

  @Column({ type: 'integer', default: 0 })
  approvedTotal!: number;

  @Column({ name: 'updated_by', type: 'varchar', length: 100, nullable: true })
  updatedBy!: string | null;
}
