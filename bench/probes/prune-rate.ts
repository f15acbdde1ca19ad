/**
 * The batched prune's pace as it goes, on PostgreSQL: fills `--rows` old finished runs (or tasks)
 * and 10,000 newer ones into a schema of its own, then calls `prune()` (retention's code path,
 * batches of 1,000) and prints the rate over each tenth of the rows. A prune whose batches get
 * dearer as it goes shows a falling rate; one whose batches cost the same, a flat one
 * (docs/performance.md, "Run history prune").
 *
 * ```sh
 * npx tsc -p bench/tsconfig.json --outDir .build/prune-rate
 * PGDATABASE=kronos_prune_probe node .build/prune-rate/bench/probes/prune-rate.js --rows=4000000
 * PGDATABASE=kronos_prune_probe node .build/prune-rate/bench/probes/prune-rate.js --rows=2000000 --kind=tasks
 * ```
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { KRONOS_ENTITIES, KRONOS_MIGRATIONS } from '../../lib/index.js';
import { prune } from '../../lib/maintenance/prune.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import { ensurePostgresDatabase } from '../support/databases.js';
import { postgres } from '../support/settings.js';
import { wallMs } from '../support/stats.js';
import { typeormConnection } from '../support/typeorm.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=') || 'true'] as const;
  }),
);
const ROWS = Number(args.get('rows') ?? 1_000_000);
const KIND = args.get('kind') === 'tasks' ? 'tasks' : 'runs';
const SCHEMA = 'kronos_prune_rate';
const DAY = 86_400_000;

async function main(): Promise<void> {
  const server = postgres();
  await ensurePostgresDatabase(server);
  const dataSource = new DataSource({
    ...typeormConnection('postgres', server),
    schema: SCHEMA,
    entities: KRONOS_ENTITIES,
    migrations: [...KRONOS_MIGRATIONS.postgres],
    migrationsTableName: 'kronos_prune_rate_migrations',
    synchronize: false,
  });
  await dataSource.initialize();
  await dataSource.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
  await dataSource.runMigrations({ transaction: 'all' });
  const now = Date.now();
  const horizon = now - DAY;
  const from = horizon - 10 * DAY;

  let t = wallMs();
  if (KIND === 'runs') {
    await dataSource.query(
      `INSERT INTO ${SCHEMA}.kronos_run (task_id, job_name, status, worker, attempt, scheduled_for, start_time, stop_time, duration_ms, result)
       SELECT g % 100000 + 1, 'bench.job.' || (g % 20), CASE WHEN g % 50 = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
              'worker-' || (g % 8), 1, s, s, s + 40, 40, '{"ok":true}'
         FROM generate_series(0, $1::bigint - 1) AS g, LATERAL (SELECT $2::bigint + (g * $3::bigint) / $1::bigint AS s) AS x`,
      [ROWS, from, 10 * DAY],
    );
    await dataSource.query(
      `INSERT INTO ${SCHEMA}.kronos_run (task_id, job_name, status, worker, attempt, start_time, stop_time, duration_ms)
       SELECT 1, 'bench.keep', 'COMPLETED', 'w', 1, $1, $1, 0 FROM generate_series(1, 10000)`,
      [now],
    );
  } else {
    await dataSource.query(
      `INSERT INTO ${SCHEMA}.kronos_task (uuid, job_name, payload, status, group_name, next_run_time, created_at, updated_at, times_run, last_run_time)
       SELECT 'old-' || g, 'bench.job.' || (g % 20), '{}', 'COMPLETED', 'default', s, s, s, 1, s
         FROM generate_series(0, $1::bigint - 1) AS g, LATERAL (SELECT $2::bigint + (g * $3::bigint) / $1::bigint AS s) AS x`,
      [ROWS, from, 10 * DAY],
    );
    await dataSource.query(
      `INSERT INTO ${SCHEMA}.kronos_task (uuid, job_name, status, group_name, next_run_time, created_at, updated_at)
       SELECT 'new-' || g, 'bench.keep', 'COMPLETED', 'default', $1, $1, $1 FROM generate_series(1, 10000) AS g`,
      [now],
    );
  }
  await dataSource.query(`VACUUM ANALYZE ${SCHEMA}.kronos_${KIND === 'runs' ? 'run' : 'task'}`);
  console.log(`filled ${ROWS.toLocaleString('en-US')} old ${KIND} in ${((wallMs() - t) / 1000).toFixed(1)} s`);

  const engine = await createEngine(dataSource);
  const tenth = Math.max(1, Math.floor(ROWS / 10));
  let mark = wallMs();
  let marked = 0;
  t = mark;
  const done = await prune(engine, {
    before: horizon,
    batchSize: 1_000,
    onProgress: (counts) => {
      const n = counts[KIND];
      if (n - marked < tenth) return;
      const at = wallMs();
      console.log(
        `${n.toLocaleString('en-US')}: ${Math.round(((n - marked) * 1000) / (at - mark)).toLocaleString('en-US')} ${KIND}/s`,
      );
      mark = at;
      marked = n;
    },
  });
  const ms = wallMs() - t;
  console.log(
    `pruned ${done[KIND].toLocaleString('en-US')} ${KIND} in ${(ms / 1000).toFixed(1)} s (${Math.round((done[KIND] * 1000) / ms).toLocaleString('en-US')}/s)`,
  );
  await engine.close();
  await dataSource.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
