/**
 * Database cost per job on PostgreSQL, measured on the hot path's own statements: no Nest
 * application, no handler, only the engine's `enqueue`, `claim` and `complete` run back to back
 * from one connection, so every figure is the server's work for those statements.
 *
 * ```sh
 * npx tsc -p bench/tsconfig.json --outDir .build/probe-cost
 * PGDATABASE=kronos_bench_cost node .build/probe-cost/bench/probes/db-cost.js --tasks=20000 --rounds=3
 * node .build/probe-cost/bench/probes/db-cost.js --variant="ALTER TABLE kronos_task SET (fillfactor = 70)"
 * ```
 *
 * Per round: TRUNCATE, enqueue `--tasks` no-op tasks (engine batch enqueue, 5,000 a statement),
 * ANALYZE and CHECKPOINT, then drain: claim `--batch` (default 1000) and complete them as a
 * successful no-op attempt, until nothing is left. Then VACUUM both tables (the deferred cost of
 * the dead row versions). For each phase it prints, per 1,000 jobs:
 *
 * - backend CPU (utime + stime of the connection's server process, from /proc: same machine only);
 * - WAL written for Kronos's tables and indexes (pg_walinspect, records whose block references
 *   name one of them, so other databases' traffic on a shared server is left out), with the full
 *   page images apart, and split by resource manager (Heap, Btree, ...);
 * - task table updates and how many of them were HOT (pg_stat_user_tables);
 * - the tables' and indexes' sizes after the drain.
 *
 * `--variant` is SQL run once after the migrations (`;`-separated), to try a schema change before
 * writing its migration. `--history=N` puts N finished tasks (a month old) in the table before each
 * round, as retention keeps them, then a CHECKPOINT, so the enqueue too starts where a checkpoint
 * left the pages; `--uuid=random` makes the tasks' uuids (history's too) random, version 4,
 * instead of time-ordered as `SchedulerService.enqueue` makes them. `--remove-on-complete` completes as a job with `removeOnComplete` does
 * (the task deleted, its run kept). `--json` prints the medians as one JSON line.
 */
import { readFileSync } from 'node:fs';
import 'reflect-metadata';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { KRONOS_ENTITIES, KRONOS_MIGRATIONS } from '../../lib/index.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import type { ClaimedTask, NewTask, StorageEngine, TaskOutcome } from '../../lib/storage/engine.js';
import { taskOutcome } from '../../lib/worker/task-outcome.js';
import { randomUUID } from 'node:crypto';
import { dueTask } from '../../test/support/bulk.js';
import { ensurePostgresDatabase } from '../support/databases.js';
import { connectionString, postgres } from '../support/settings.js';
import { median } from '../support/stats.js';
import { typeormConnection } from '../support/typeorm.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=') || 'true'] as const;
  }),
);
const TASKS = Number(args.get('tasks') ?? 20000);
const BATCH = Number(args.get('batch') ?? 1000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const VARIANT = args.get('variant') ?? '';
/** Finished tasks in the table before each round (`--history`). */
const HISTORY = Number(args.get('history') ?? 0);
/** `--uuid=random`: version 4 uuids, as `SchedulerService.enqueue` made them before they were time-ordered. */
const RANDOM_UUIDS = args.get('uuid') === 'random';
/** `--remove-on-complete`: the job has `removeOnComplete`, so each completion deletes its task. */
const REMOVE = args.get('remove-on-complete') === 'true';
const REMOVABLE: ReadonlySet<string> = new Set(REMOVE ? ['bench.noop'] : []);
const LABEL =
  args.get('label') ??
  [
    VARIANT || 'schema of the migrations',
    REMOVE ? 'removeOnComplete' : '',
    HISTORY ? `${HISTORY} finished tasks` : '',
    RANDOM_UUIDS ? 'random uuids' : '',
  ]
    .filter(Boolean)
    .join(', ');
const TABLES = [
  'kronos_audit',
  'kronos_task_dependency',
  'kronos_task_batch',
  'kronos_task_group',
  'kronos_task_group_rate',
  'kronos_worker',
  'kronos_run',
  'kronos_task',
  'kronos_job',
  'kronos_cost_migrations',
];
const TICK_MS = 10; // USER_HZ 100

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

interface Snapshot {
  lsn: string;
  cpu: number;
  taskUpd: number;
  taskHot: number;
  runIns: number;
}

interface WalFigures {
  bytes: number;
  fpiBytes: number;
  records: number;
  fpis: number;
  byManager: Record<string, number>;
}

interface Phase {
  cpuMs: number;
  wal: WalFigures;
  taskUpdates: number;
  hotUpdates: number;
}

const noopTask = (n: number): NewTask => dueTask('bench.noop', { n }, RANDOM_UUIDS ? { uuid: randomUUID() } : {});

/**
 * `--history`: finished tasks a month old, their uuids random or time-ordered (the millisecond
 * they were made, as hex, in front of random digits: older than any uuid made now).
 */
const historySql = (count: number): string => `
  INSERT INTO kronos_task (uuid, job_name, payload, status, group_name, next_run_time, created_at, updated_at, times_run)
  SELECT ${
    RANDOM_UUIDS
      ? 'gen_random_uuid()::text'
      : `substr(lpad(to_hex(m), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex(m), 12, '0'), 9, 4) || substr(gen_random_uuid()::text, 14)`
  }, 'bench.noop', '{"n":0}', 'COMPLETED', 'main', m, m, m, 1
    FROM generate_series(1, ${count}) AS g, LATERAL (SELECT ${Date.now() - 30 * 86_400_000} + g AS m) AS x`;

/** A successful no-op attempt, as the worker writes it back (`taskOutcome`) for a one-off task. */
const success = (task: ClaimedTask, worker: string, now: number): TaskOutcome =>
  taskOutcome(
    task,
    {
      status: 'COMPLETED',
      retryable: true,
      startTime: now,
      stopTime: now,
      result: null,
      message: null,
      output: null,
      traceback: null,
    },
    { worker, retryBackoffMs: 0, maxRetryBackoffMs: 0, removable: REMOVABLE },
  );

async function main(): Promise<void> {
  const server = postgres();
  if (!process.env.PGDATABASE) server.database = 'kronos_bench_cost';
  await ensurePostgresDatabase(server);
  const dataSource = new DataSource({
    ...typeormConnection('postgres', server),
    poolSize: 1,
    applicationName: 'kronos-cost-probe',
    entities: KRONOS_ENTITIES,
    migrations: [...KRONOS_MIGRATIONS.postgres],
    migrationsTableName: 'kronos_cost_migrations',
  });
  await dataSource.initialize();
  for (const table of TABLES) await dataSource.query(`DROP TABLE IF EXISTS ${table}`);
  await dataSource.runMigrations({ transaction: 'all' });
  for (const sql of VARIANT.split(';').filter((s) => s.trim())) await dataSource.query(sql);
  const engine: StorageEngine = await createEngine(dataSource);
  const [{ pid }] = await dataSource.query('SELECT pg_backend_pid() AS pid');

  const observer = new pg.Client({ connectionString: connectionString(server) });
  await observer.connect();
  await observer.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  // A temporary slot keeps the WAL of the run until it is read (CHECKPOINTs recycle segments);
  // it goes with the observer's session.
  await observer.query(`SELECT pg_create_physical_replication_slot($1, true, true)`, [`kronos_cost_${process.pid}`]);
  const dbOid = Number(
    (await observer.query('SELECT oid FROM pg_database WHERE datname = current_database()')).rows[0].oid,
  );

  const snapshot = async (): Promise<Snapshot> => {
    // The probe's backend publishes its table counters when it next goes idle with this set.
    await dataSource.query('SELECT pg_stat_force_next_flush()');
    await dataSource.query('SELECT 1');
    await observer.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await observer.query(
      `SELECT pg_current_wal_insert_lsn()::text AS lsn,
              (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'kronos_task') AS upd,
              (SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'kronos_task') AS hot,
              (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'kronos_run') AS ins`,
    );
    return {
      lsn: rows[0].lsn,
      cpu: cpuMs(pid),
      taskUpd: Number(rows[0].upd),
      taskHot: Number(rows[0].hot),
      runIns: Number(rows[0].ins),
    };
  };

  /** WAL records between two positions that touch one of Kronos's task or run relations. */
  const wal = async (from: string, to: string): Promise<WalFigures> => {
    const { rows: nodes } = await observer.query(
      `SELECT pg_relation_filenode(c.oid) AS node FROM pg_class c
        WHERE c.relname LIKE 'kronos_task%' OR c.relname LIKE 'kronos_run%'
           OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relname IN ('kronos_task', 'kronos_run'))`,
    );
    // pg_walinspect reads only flushed WAL; an asynchronous commit may still be in the buffers.
    for (let n = 0; n < 100; n++) {
      const { rows: flushed } = await observer.query('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS ok', [to]);
      if (flushed[0].ok) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const pattern = `/${dbOid}/(${nodes.map((n) => n.node).join('|')}) `;
    const { rows } = await observer.query(
      `SELECT resource_manager AS rm, count(*)::int AS records, sum(record_length)::bigint AS bytes,
              sum(fpi_length)::bigint AS fpi, count(*) FILTER (WHERE fpi_length > 0)::int AS fpis
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
        WHERE block_ref ~ $3
        GROUP BY 1`,
      [from, to, pattern],
    );
    const figures: WalFigures = { bytes: 0, fpiBytes: 0, records: 0, fpis: 0, byManager: {} };
    for (const r of rows) {
      figures.bytes += Number(r.bytes);
      figures.fpiBytes += Number(r.fpi);
      figures.records += r.records;
      figures.fpis += r.fpis;
      figures.byManager[r.rm] = Number(r.bytes);
    }
    return figures;
  };

  const phase = async (before: Snapshot, after: Snapshot): Promise<Phase> => ({
    cpuMs: after.cpu - before.cpu,
    wal: await wal(before.lsn, after.lsn),
    taskUpdates: after.taskUpd - before.taskUpd,
    hotUpdates: after.taskHot - before.taskHot,
  });

  const results: Array<{ enqueue: Phase; drain: Phase; vacuum: Phase; claimCpu: number; completeCpu: number }> = [];
  let sizes: Array<{ name: string; mb: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    await dataSource.query('TRUNCATE kronos_task, kronos_run RESTART IDENTITY');
    if (HISTORY > 0) {
      await dataSource.query(historySql(HISTORY));
      await dataSource.query('VACUUM ANALYZE kronos_task');
      await observer.query('CHECKPOINT');
    }
    const s0 = await snapshot();
    for (let from = 0; from < TASKS; from += 5000) {
      const tasks: NewTask[] = [];
      for (let n = from; n < Math.min(TASKS, from + 5000); n++) tasks.push(noopTask(n));
      await engine.enqueue(tasks);
    }
    const s1 = await snapshot();
    const enqueue = await phase(s0, s1);
    await dataSource.query('ANALYZE kronos_task, kronos_run');
    await observer.query('CHECKPOINT');
    const s2 = await snapshot();
    let claimCpu = 0;
    let completeCpu = 0;
    let done = 0;
    const worker = `probe-${process.pid}`;
    for (;;) {
      let t = cpuMs(pid);
      const tasks = await engine.claim({
        worker,
        groups: ['main'],
        jobNames: ['bench.noop'],
        limit: BATCH,
        now: null,
      });
      claimCpu += cpuMs(pid) - t;
      if (tasks.length === 0) break;
      const now = Date.now();
      t = cpuMs(pid);
      const fenced = await engine.complete(tasks.map((task) => success(task, worker, now)));
      completeCpu += cpuMs(pid) - t;
      if (fenced.length > 0) throw new Error(`${fenced.length} completions fenced out`);
      done += tasks.length;
    }
    if (done !== TASKS) throw new Error(`drained ${done} of ${TASKS}`);
    const s3 = await snapshot();
    const drain = await phase(s2, s3);
    if (s3.runIns - s2.runIns !== TASKS) throw new Error(`${s3.runIns - s2.runIns} run rows for ${TASKS} tasks`);
    sizes = (
      await observer.query(
        `SELECT c.relname AS name, round(pg_relation_size(c.oid) / 1048576.0, 2)::float AS mb FROM pg_class c
          WHERE (c.relname LIKE 'kronos_task%' OR c.relname LIKE 'kronos_run%') AND c.relkind IN ('r', 'i')
          ORDER BY c.relkind DESC, c.relname`,
      )
    ).rows;
    await dataSource.query('VACUUM kronos_task, kronos_run');
    const s4 = await snapshot();
    results.push({
      enqueue,
      drain,
      vacuum: await phase(s3, s4),
      claimCpu,
      completeCpu,
    });
  }

  const perK = (v: number) => Math.round((v * 1000 * 10) / TASKS) / 10;
  const perJob = (v: number) => Math.round((v * 10) / TASKS) / 10;
  const med = (f: (r: (typeof results)[number]) => number) => median(results.map(f));
  const summary = {
    label: LABEL,
    tasks: TASKS,
    batch: BATCH,
    rounds: ROUNDS,
    drainCpuMsPer1000: perK(med((r) => r.drain.cpuMs)),
    claimCpuMsPer1000: perK(med((r) => r.claimCpu)),
    completeCpuMsPer1000: perK(med((r) => r.completeCpu)),
    enqueueCpuMsPer1000: perK(med((r) => r.enqueue.cpuMs)),
    vacuumCpuMsPer1000: perK(med((r) => r.vacuum.cpuMs)),
    drainWalBytesPerJob: perJob(med((r) => r.drain.wal.bytes)),
    drainWalFpiBytesPerJob: perJob(med((r) => r.drain.wal.fpiBytes)),
    drainWalRecordsPerJob: perJob(med((r) => r.drain.wal.records)),
    enqueueWalBytesPerJob: perJob(med((r) => r.enqueue.wal.bytes)),
    vacuumWalBytesPerJob: perJob(med((r) => r.vacuum.wal.bytes)),
    drainWalByManagerPerJob: Object.fromEntries(
      Object.keys(results[0].drain.wal.byManager).map((rm) => [rm, perJob(med((r) => r.drain.wal.byManager[rm] ?? 0))]),
    ),
    taskUpdatesPerJob: perJob(med((r) => r.drain.taskUpdates)),
    hotRatio: Math.round(med((r) => r.drain.hotUpdates / Math.max(1, r.drain.taskUpdates)) * 1000) / 1000,
    sizesMb: Object.fromEntries(sizes.map((s) => [s.name, s.mb])),
    cpuPerRound: results.map((r) => perK(r.drain.cpuMs)),
  };
  if (args.has('json')) console.log(JSON.stringify(summary));
  else console.log(summary);
  await observer.end();
  await dataSource.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
