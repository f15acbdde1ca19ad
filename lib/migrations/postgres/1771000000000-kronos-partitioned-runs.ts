import type { MigrationInterface, QueryRunner } from 'typeorm';
import { rebuildRunTable, type Query } from '../../storage/postgres/history-partitions.sql.js';
import { migrationTables } from '../migration-tables.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Opt-in, and not part of `KRONOS_MIGRATIONS.postgres`: turns the run table into a table
 * partitioned by day of `start_time` (docs/partitioning.md), keeping every run and its id, with
 * partitions for the days of the existing runs (at most 400, older runs share one), four days
 * ahead and a default partition. Its primary key becomes `(id, start_time)`. Add it after the
 * others and set `postgres: { partitionHistory: { by: 'day' } }` (or `'week'`) in the module
 * options: worker processes then create partitions ahead and retention drops whole ones.
 *
 * The table is locked while its rows are copied: prune it first (`kronos prune`) when it is big.
 * `down()` makes it one plain table again, every run kept.
 */
export class KronosPartitionedRunsPostgres1771000000000 implements MigrationInterface {
  name = 'KronosPartitionedRunsPostgres1771000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const run = migrationTables(queryRunner, quote, 'schema').run;
    await rebuildRunTable(query(queryRunner), run, {
      partitioned: true,
      plan: { by: 'day', ahead: 4 },
      now: Date.now(),
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const run = migrationTables(queryRunner, quote, 'schema').run;
    await rebuildRunTable(query(queryRunner), run, { partitioned: false });
  }
}

const query =
  (queryRunner: QueryRunner): Query =>
  async (text, values) =>
    (await queryRunner.query(text, values)) as Record<string, unknown>[];
