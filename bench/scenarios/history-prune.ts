import pg from 'pg';
import { DataSource } from 'typeorm';
import { KRONOS_ENTITIES } from '../../lib/entities/index.js';
import { prune } from '../../lib/maintenance/prune.js';
import { KRONOS_MIGRATIONS } from '../../lib/migrations/index.js';
import { historyMaintenance } from '../../lib/storage/history-maintenance.js';
import { periodStart } from '../../lib/storage/postgres/history-partitions.sql.js';
import { PostgresEngine } from '../../lib/storage/postgres/postgres.engine.js';
import type { Server } from '../support/settings.js';
import { percentile, sleep, wallMs } from '../support/stats.js';

/** How `historyPrune` runs (docs/partitioning.md, "Benchmark"). */
export interface HistoryPruneSettings {
  /** The PostgreSQL server and database. */
  server: Server;
  /** The schema the scenario works in, dropped and recreated. Default `kronos_history_bench`. */
  schema?: string;
  /** Runs older than the horizon, all of which the prune removes. Default 10,000,000. */
  runs?: number;
  /** Over how many days before the horizon they started. Default 10. */
  days?: number;
  /** Runs after the horizon, which every prune keeps. Default 100,000. */
  keep?: number;
  /** The layouts to measure, in this order (repeat them to interleave). Default `['plain', 'partitioned']`. */
  layouts?: ('plain' | 'partitioned')[];
  /**
   * Partitioned layout: convert the filled plain table with the opt-in migration (timed: it copies
   * every run), instead of converting the empty table and filling the partitions. Default false.
   */
  convertFilled?: boolean;
  /** Rows per DELETE statement of the batched prune. Default 1000 (retention's default). */
  batchSize?: number;
  /** Told what the scenario is doing. */
  log?: (line: string) => void;
}

/** One measured prune. */
export interface HistoryPruneFigure {
  layout: 'plain' | 'partitioned';
  /** Runs before the horizon (pruned) and after it (kept). */
  runs: number;
  kept: number;
  /** Filling the plain table with INSERT ... SELECT generate_series, then VACUUM ANALYZE, ms. */
  fillMs: number;
  /** Partitioned with `convertFilled` only: the opt-in migration converting the filled table, ms. */
  convertMs: number | null;
  /** The prune itself (retention's code path: `prune` with the engine's `pruneBatch`, or dropping partitions), ms. */
  pruneMs: number;
  /** Plain only: the VACUUM that then makes the deleted rows' space reusable (autovacuum's work), ms. */
  vacuumMs: number | null;
  /** Runs left after the prune: every kept run, and none of the pruned ones. */
  left: number;
  /** The run table with its indexes (all partitions), bytes, before and after the prune (after the VACUUM for plain). */
  bytesBefore: number;
  bytesAfter: number;
  /** Single-row run inserts made every 20 ms on another connection while the prune ran, as completions do. */
  inserts: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
}

const DAY = 86_400_000;

/**
 * Prune `runs` old runs from the run table both ways: batched DELETE on the plain table (what
 * retention does on every database) and dropping whole day partitions on the partitioned one
 * (`postgres.partitionHistory`). Each layout gets a freshly filled table: `runs` runs spread over
 * `days` days before the horizon (a UTC midnight, yesterday's) and `keep` after it, 2% FAILED,
 * inserted with one INSERT ... SELECT generate_series, then VACUUM ANALYZEd as autovacuum would
 * have. The partitioned layout is reached the way an application gets there: the opt-in migration
 * converts the filled plain table (timed too). While each prune runs, another connection inserts a
 * run every 20 ms and the insert latencies are reported: dropping a partition takes a brief
 * exclusive lock on the run table, batched deletes take none but compete for I/O.
 */
export async function historyPrune(settings: HistoryPruneSettings): Promise<HistoryPruneFigure[]> {
  const runs = settings.runs ?? 10_000_000;
  const days = settings.days ?? 10;
  const keep = settings.keep ?? 100_000;
  const batchSize = settings.batchSize ?? 1000;
  const log = settings.log ?? (() => undefined);
  const SCHEMA = settings.schema ?? 'kronos_history_bench';
  const figures: HistoryPruneFigure[] = [];
  for (const layout of settings.layouts ?? ['plain', 'partitioned']) {
    const now = Date.now();
    const horizon = periodStart('day', now) - DAY;
    const dataSource: DataSource = new DataSource({
      type: 'postgres',
      host: settings.server.host,
      port: settings.server.port,
      username: settings.server.user,
      password: settings.server.password,
      database: settings.server.database,
      schema: SCHEMA,
      entities: KRONOS_ENTITIES,
      migrations: [...KRONOS_MIGRATIONS.postgres],
      migrationsTableName: 'kronos_history_bench_migrations',
      extra: { max: 4 },
    });
    await dataSource.initialize();
    try {
      await dataSource.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
      await dataSource.runMigrations({ transaction: 'all' });
      const run = `${SCHEMA}.kronos_run`;

      const convertFilled = layout === 'partitioned' && settings.convertFilled === true;
      if (layout === 'partitioned' && !convertFilled) {
        // Convert the empty table, then give every day of the runs its partition, as housekeeping
        // would have, day after day.
        await convert(dataSource);
        const upkeep = (await historyMaintenance(dataSource, { by: 'day', ahead: 1 }))!;
        for (let day = horizon - days * DAY; day <= now; day += DAY) await upkeep.ensurePartitions(day);
      }
      log(`history-prune [${layout}]: filling ${runs} + ${keep} runs`);
      let t = wallMs();
      await fill(dataSource, run, runs, horizon - days * DAY, days * DAY);
      await fill(dataSource, run, keep, horizon, now - horizon);
      await dataSource.query(`VACUUM ANALYZE ${run}`);
      const fillMs = wallMs() - t;

      let convertMs: number | null = null;
      if (convertFilled) {
        log(`history-prune [${layout}]: converting with the opt-in migration`);
        t = wallMs();
        await convert(dataSource);
        await dataSource.query(`VACUUM ANALYZE ${run}`);
        convertMs = wallMs() - t;
      }
      const bytesBefore = await tableBytes(dataSource, run);

      log(`history-prune [${layout}]: pruning`);
      const engine = new PostgresEngine(dataSource);
      const history = layout === 'partitioned' ? await historyMaintenance(dataSource, { by: 'day', ahead: 4 }) : null;
      const probe = insertProbe(settings.server, run);
      t = wallMs();
      await prune(engine, { before: horizon, batchSize, history, wholePartitionsOnly: true });
      const pruneMs = wallMs() - t;
      const inserts = await probe.stop();
      await engine.close();

      let vacuumMs: number | null = null;
      if (layout === 'plain') {
        t = wallMs();
        await dataSource.query(`VACUUM ${run}`);
        vacuumMs = wallMs() - t;
      }
      const [{ n }] = await dataSource.query<{ n: string }[]>(`SELECT COUNT(*) AS n FROM ${run}`);
      figures.push({
        layout,
        runs,
        kept: keep,
        fillMs,
        convertMs,
        pruneMs,
        vacuumMs,
        left: Number(n) - inserts.count,
        bytesBefore,
        bytesAfter: await tableBytes(dataSource, run),
        inserts,
      });
      log(`history-prune [${layout}]: ${JSON.stringify(figures.at(-1))}`);
      await dataSource.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    } finally {
      await dataSource.destroy();
    }
  }
  return figures;
}

/** The opt-in migration, in a transaction of its own. */
async function convert(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await new KRONOS_MIGRATIONS.postgresPartitionedRuns[0]().up(runner);
    await runner.commitTransaction();
  } finally {
    await runner.release();
  }
}

/** `count` finished runs starting evenly over `[from, from + span)`. */
async function fill(dataSource: DataSource, run: string, count: number, from: number, span: number): Promise<void> {
  if (count === 0) return;
  await dataSource.query(
    `INSERT INTO ${run} (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time,
                         duration_ms, result, message)
     SELECT g % 100000 + 1, 'bench.job.' || (g % 20), CASE WHEN g % 50 = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
            'worker-' || (g % 8), 1, s, s, s + 40, 40, '{"ok":true}', CASE WHEN g % 50 = 0 THEN 'failed' END
       FROM generate_series(0, $1::bigint - 1) AS g, LATERAL (SELECT $2::bigint + (g * $3::bigint) / $1::bigint AS s) AS x`,
    [count, from, span],
  );
}

/** The run table's size with its indexes, all partitions included. */
async function tableBytes(dataSource: DataSource, run: string): Promise<number> {
  const [{ bytes }] = await dataSource.query<{ bytes: string }[]>(
    `SELECT CASE WHEN c.relkind = 'p'
                 THEN (SELECT COALESCE(SUM(pg_total_relation_size(relid)), 0) FROM pg_partition_tree(c.oid))
                 ELSE pg_total_relation_size(c.oid) END::bigint AS bytes
       FROM pg_class c WHERE c.oid = $1::regclass`,
    [run],
  );
  return Number(bytes);
}

/** Insert one run every 20 ms on a connection of its own until stopped; latencies in ms. */
function insertProbe(server: Server, run: string): { stop(): Promise<HistoryPruneFigure['inserts']> } {
  const client = new pg.Client({ ...server });
  const times: number[] = [];
  let stopping = false;
  const loop = (async () => {
    await client.connect();
    while (!stopping) {
      const t = wallMs();
      await client.query(
        `INSERT INTO ${run} (task_id, job_name, status, worker, attempt, start_time, stop_time, duration_ms)
         VALUES (1, 'bench.probe', 'COMPLETED', 'probe', 1, $1, $1, 0)`,
        [Date.now()],
      );
      times.push(wallMs() - t);
      await sleep(20);
    }
    await client.end();
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return {
        count: times.length,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        maxMs: times.length ? Math.max(...times) : 0,
      };
    },
  };
}
