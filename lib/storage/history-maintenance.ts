import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { DroppedHistory, HistoryPartitioning } from './postgres/history-partitions.sql.js';

/**
 * The partitioned run history's upkeep (PostgreSQL only, docs/partitioning.md): what housekeeping
 * and retention call besides the engine. Every statement is in lib/storage/postgres/history-partitions.sql.ts.
 */
export interface HistoryMaintenance {
  /** The configured partitioning, or null when `postgres.partitionHistory` is not set. */
  readonly partitioning: HistoryPartitioning | null;
  /**
   * Create the partitions of the current period and of the configured ones ahead; returns the
   * names created, or null when the run table is not partitioned (or no partitioning is configured).
   */
  ensurePartitions(now: number): Promise<string[] | null>;
  /** Drop the partitions wholly older than `before`; null when the run table is not partitioned. */
  dropPartitions(before: number): Promise<DroppedHistory | null>;
  /** Whether the run table is partitioned. */
  partitioned(): Promise<boolean>;
}

/** The history upkeep for the DataSource's database: null on every database but PostgreSQL. */
export async function historyMaintenance(
  dataSource: DataSource,
  partitioning: HistoryPartitioning | null,
): Promise<HistoryMaintenance | null> {
  if (dataSource.options.type !== 'postgres') return null;
  const sql = await import('./postgres/history-partitions.sql.js');
  const { pgTables } = await import('./postgres/tables.js');
  const run = pgTables(dataSource).run;
  const pool = (): Pool => {
    const master = (dataSource.driver as unknown as { master?: Pool }).master;
    if (!master) throw new Error('Kronos: the PostgreSQL DataSource is not initialized');
    return master;
  };
  return {
    partitioning,
    ensurePartitions: (now) =>
      partitioning ? sql.ensureHistoryPartitions(pool(), run, partitioning, now) : Promise.resolve(null),
    dropPartitions: (before) => sql.dropHistoryPartitions(pool(), run, before),
    partitioned: async () =>
      (
        await sql.readRunLayout(
          async (text, values) => (await pool().query<Record<string, unknown>>(text, values)).rows,
          run,
        )
      ).partitioned,
  };
}
