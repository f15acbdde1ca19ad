import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { Job, KRONOS_ENTITIES, KRONOS_MIGRATIONS, SchedulerModule, SchedulerService } from '../../lib/index.js';
import { WORKER_NODE_FLAGS } from '../../lib/cli/worker-node-flags.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import type { NewTask, StorageEngine } from '../../lib/storage/engine.js';
import { dueTask } from '../../test/support/bulk.js';
import { WORKER_APPLICATION } from '../support/pg-cpu.js';
import { mysql, postgres } from '../support/settings.js';
import { typeormConnection } from '../support/typeorm.js';
import { inChunks, type Backend, type Configuration, type Producer, type ProducerOptions } from './system.js';
import type { BulkEnqueuer } from '../scenarios/bulk-enqueue.js';

export type KronosDialect = 'postgres' | 'mysql' | 'sqlite';

const MIGRATIONS_TABLE = 'kronos_bench_migrations';

export function kronosDataSourceOptions(dialect: KronosDialect): DataSourceOptions {
  switch (dialect) {
    case 'postgres':
      return typeormConnection('postgres', postgres());
    case 'mysql':
      return typeormConnection('mysql', mysql());
    case 'sqlite':
      return { type: 'better-sqlite3', database: join(mkdtempSync(join(tmpdir(), 'kronos-bench-')), 'kronos.db') };
  }
}

/**
 * Kronos configurations. `worker: {}` hands nothing to `SchedulerModule.forRoot({ worker })`, so
 * "defaults" measures exactly what an application gets without tuning.
 */
export function kronosConfigurations(dialect: KronosDialect, dataSource: DataSourceOptions): Configuration[] {
  const options = dialect === 'postgres' ? { ...dataSource, applicationName: WORKER_APPLICATION } : dataSource;
  const configuration = (name: string, description: string, worker: Record<string, unknown>): Configuration => ({
    system: 'kronos',
    name,
    description,
    worker: 'kronos',
    settings: { dataSource: options, worker },
  });
  const configurations = [
    configuration(
      dialect === 'postgres' ? 'defaults' : dialect,
      "SchedulerModule.forRoot({ worker: {} }) in a Nest application context started with Node's default flags: every worker option at its default (concurrency 10, batchSize 1000)",
      {},
    ),
  ];
  if (dialect === 'postgres') {
    configurations.push(
      configuration(
        'tuned',
        'worker: { batchSize: 2000 }: claims of up to 2,000 tasks, as many held ready while tasks are short',
        { batchSize: 2000 },
      ),
    );
    configurations.push({
      ...configuration(
        'service',
        `the same application and worker options (defaults) run by the \`kronos worker\` command, started as \`kronos export-systemd\` and \`export-supervisord\` start it: \`node ${WORKER_NODE_FLAGS.join(' ')} kronos worker\``,
        {},
      ),
      cli: { nodeFlags: WORKER_NODE_FLAGS },
    });
    const remove = configuration(
      'remove',
      "the defaults, with the job's `removeOnComplete: true`: each completed task's row is deleted, its run row kept (docs/partitioning.md)",
      {},
    );
    remove.settings.job = { removeOnComplete: true };
    configurations.push(remove);
  }
  // Extra configurations to compare, e.g. BENCH_KRONOS_VARIANTS='{"b50":{"batchSize":50}}'; a `job`
  // key holds options of the benchmark's job instead: '{"remove":{"job":{"removeOnComplete":true}}}'.
  for (const [name, variant] of Object.entries<Record<string, unknown>>(
    JSON.parse(process.env.BENCH_KRONOS_VARIANTS ?? '{}'),
  )) {
    const { job, ...worker } = variant;
    const described = `SchedulerModule.forRoot({ worker: ${JSON.stringify(worker)} })`;
    const config = configuration(
      name,
      job === undefined ? described : `${described}, @Job('bench.noop', ${JSON.stringify(job)})`,
      worker,
    );
    if (job !== undefined) config.settings.job = job;
    configurations.push(config);
  }
  return configurations;
}

/**
 * Kronos defaults through a PgBouncer in transaction pooling mode on `port`: the worker's
 * DataSource goes through it with `postgres: { pooling: 'transaction' }`, its wake-up listener
 * straight to PostgreSQL (`listenConnection`), as docs/pgbouncer.md sets it up.
 */
export function kronosPgBouncerConfiguration(
  dataSource: DataSourceOptions,
  port: number,
  poolSize: number,
): Configuration {
  const direct = postgres();
  return {
    system: 'kronos',
    name: 'pgbouncer',
    description: `the defaults through PgBouncer (pool_mode transaction, default_pool_size ${poolSize}): postgres: { pooling: 'transaction', listenConnection: <PostgreSQL itself> }`,
    worker: 'kronos',
    settings: {
      dataSource: { ...dataSource, host: '127.0.0.1', port, applicationName: WORKER_APPLICATION },
      worker: {},
      postgres: {
        pooling: 'transaction',
        listenConnection: {
          host: direct.host,
          port: direct.port,
          user: direct.user,
          password: direct.password,
          database: direct.database,
        },
      },
    },
  };
}

/** The job the benchmark's own (worker-less) application enqueues. */
@Injectable()
class BenchJobs {
  @Job('bench.noop')
  noop() {}
}

const noopTask = (n: number): NewTask => dueTask('bench.noop', { n });

/**
 * Kronos from the outside: the schema comes from the shipped migrations; bulk set-up goes
 * through the engine's batch `enqueue(tasks[])` (one statement per 5,000 tasks), while the latency
 * run enqueues through `SchedulerService.enqueue`, one task at a time, like an application.
 */
export class KronosBackend implements Backend {
  readonly system = 'kronos' as const;
  readonly dataSource: DataSource;
  private engine?: StorageEngine;
  /** The configuration last reset for deletes its tasks as they complete (a `removeOnComplete` job). */
  private removesTasks = false;

  constructor(
    readonly dialect: KronosDialect,
    readonly options: DataSourceOptions,
  ) {
    this.dataSource = new DataSource({
      ...options,
      entities: KRONOS_ENTITIES,
      migrations: [...KRONOS_MIGRATIONS[dialect]],
      migrationsTableName: MIGRATIONS_TABLE,
      synchronize: false,
      migrationsRun: false,
    });
  }

  /** Drop whatever Kronos tables are there and build them with the shipped migrations. */
  async setUp(): Promise<void> {
    await this.dataSource.initialize();
    // Every Kronos table there is, whatever migrations made it (new ones included), then ours.
    const tables = [...(await this.kronosTables()), MIGRATIONS_TABLE];
    if (this.dialect === 'mysql') await this.dataSource.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const table of tables) {
      await this.dataSource.query(`DROP TABLE IF EXISTS ${table}${this.dialect === 'postgres' ? ' CASCADE' : ''}`);
    }
    if (this.dialect === 'mysql') await this.dataSource.query('SET FOREIGN_KEY_CHECKS = 1');
    await this.dataSource.runMigrations({ transaction: 'all' });
    this.engine = await createEngine(this.dataSource);
    await this.engine.start();
  }

  /** Names of the tables starting with `kronos_` in the benchmark's database (its current schema). */
  private async kronosTables(): Promise<string[]> {
    const sql =
      this.dialect === 'postgres'
        ? `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'kronos\\_%'`
        : this.dialect === 'mysql'
          ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'kronos\\_%'`
          : `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'kronos\\_%' ESCAPE '\\'`;
    const rows: { name?: string; NAME?: string }[] = await this.dataSource.query(sql);
    return rows.map((r) => String(r.name ?? r.NAME)).filter((name) => name !== MIGRATIONS_TABLE);
  }

  get storage(): StorageEngine {
    return this.engine!;
  }

  async reset(config?: Configuration): Promise<void> {
    this.removesTasks = (config?.settings.job as { removeOnComplete?: boolean } | undefined)?.removeOnComplete === true;
    const tables = ['kronos_task', 'kronos_run', 'kronos_worker'];
    if (this.dialect === 'postgres') await this.dataSource.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
    else if (this.dialect === 'mysql') for (const t of tables) await this.dataSource.query(`TRUNCATE TABLE ${t}`);
    else for (const t of tables) await this.dataSource.query(`DELETE FROM ${t}`);
  }

  async enqueueBulk(count: number, first = 0): Promise<void> {
    await inChunks(count, 5000, async (from, to) => {
      const tasks: NewTask[] = [];
      for (let n = from; n < to; n++) tasks.push(noopTask(first + n));
      await this.engine!.enqueue(tasks);
    });
    await this.analyze();
  }

  async analyze(): Promise<void> {
    if (this.dialect === 'postgres') await this.dataSource.query('ANALYZE kronos_task, kronos_run');
    else if (this.dialect === 'mysql') await this.dataSource.query('ANALYZE TABLE kronos_task, kronos_run');
    else await this.dataSource.query('ANALYZE');
  }

  /**
   * A worker-less Nest application enqueuing through `SchedulerService`: `enqueue` one task per
   * call, `enqueueMany` for the bulk form; its TypeORM pool holds `connections` (default 10).
   */
  async producer(_config?: Configuration, producerOptions: ProducerOptions = {}): Promise<Producer> {
    const options = this.options;
    const extra = {
      ...(('extra' in options ? options.extra : undefined) ?? {}),
      max: producerOptions.connections ?? 10,
    };
    const typeorm: DataSourceOptions = this.dialect === 'sqlite' ? { ...options } : { ...options, extra };
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...typeorm, autoLoadEntities: true, synchronize: false }),
        SchedulerModule.forRoot({ worker: false }),
      ],
      providers: [BenchJobs],
    })
    class BenchProducerModule {}
    const app: INestApplicationContext = await NestFactory.createApplicationContext(BenchProducerModule, {
      logger: ['error', 'warn'],
    });
    const scheduler = app.get(SchedulerService);
    return {
      bulkCall: 'SchedulerService.enqueueMany',
      enqueue: async (n) => {
        await scheduler.enqueue('bench.noop', { n });
      },
      enqueueMany: async (ns) => {
        await scheduler.enqueueMany(
          'bench.noop',
          ns.map((n) => ({ n })),
          { chunkSize: 5000 },
        );
      },
      close: () => app.close(),
    };
  }

  async clear(): Promise<void> {
    await this.reset();
  }

  async verifyEnqueued(count: number): Promise<string[]> {
    const [row] = await this.dataSource.query(
      `SELECT count(*) AS total, count(DISTINCT payload) AS distinct_payloads FROM kronos_task WHERE status = 'QUEUED'`,
    );
    return Number(row.total) === count && Number(row.distinct_payloads) === count
      ? []
      : [`kronos_task: ${row.total} QUEUED task(s), ${row.distinct_payloads} distinct payloads; ${count} acknowledged`];
  }

  /**
   * Bulk enqueue the way an application does it: `SchedulerService.enqueueMany` in a worker-less
   * application, 5,000 tasks per INSERT (the chunk size the peers' bulk calls get here).
   */
  async bulkEnqueuer(): Promise<BulkEnqueuer & { close(): Promise<void> }> {
    const options = this.options;
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...options, autoLoadEntities: true, synchronize: false }),
        SchedulerModule.forRoot({ worker: false }),
      ],
      providers: [BenchJobs],
    })
    class BenchBulkModule {}
    const app: INestApplicationContext = await NestFactory.createApplicationContext(BenchBulkModule, {
      logger: ['error', 'warn'],
    });
    const scheduler = app.get(SchedulerService);
    return {
      system: 'kronos',
      call: 'SchedulerService.enqueueMany',
      reset: () => this.reset(),
      insert: async (count) => {
        const payloads = Array.from({ length: count }, (_, n) => ({ n }));
        await scheduler.enqueueMany('bench.noop', payloads, { chunkSize: 5000 });
      },
      queued: async () =>
        Number((await this.dataSource.query(`SELECT COUNT(*) AS c FROM kronos_task WHERE status = 'QUEUED'`))[0].c),
      close: () => app.close(),
    };
  }

  async drained(): Promise<boolean> {
    // Claimed tasks carry their worker until the completion is written: both indexed look-ups.
    const rows = await this.dataSource.query(
      `SELECT CASE WHEN EXISTS (SELECT 1 FROM kronos_task WHERE status = 'QUEUED')
                     OR EXISTS (SELECT 1 FROM kronos_task WHERE assigned_worker IS NOT NULL) THEN 0 ELSE 1 END AS done`,
    );
    return Number(rows[0].done) === 1;
  }

  async completed(): Promise<number> {
    const rows = await this.dataSource.query(`SELECT count(*) AS c FROM kronos_run WHERE status = 'COMPLETED'`);
    return Number(rows[0].c);
  }

  async verify(count: number): Promise<string[]> {
    const [tasks] = await this.dataSource.query(
      `SELECT count(*) AS total, sum(CASE WHEN status = 'COMPLETED' AND times_run = 1 THEN 1 ELSE 0 END) AS done FROM kronos_task`,
    );
    const [runs] = await this.dataSource.query(
      `SELECT count(*) AS total, count(DISTINCT task_id) AS tasks, sum(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END) AS done FROM kronos_run`,
    );
    const problems: string[] = [];
    if (this.removesTasks) {
      // removeOnComplete: every task's row is gone, its run row kept.
      if (Number(tasks.total) !== 0)
        problems.push(`kronos_task: ${tasks.total} row(s) left, none expected (removeOnComplete)`);
    } else if (Number(tasks.total) !== count || Number(tasks.done) !== count)
      problems.push(`kronos_task: ${tasks.done} of ${tasks.total} COMPLETED once, ${count} expected`);
    if (Number(runs.total) !== count || Number(runs.tasks) !== count || Number(runs.done) !== count) {
      problems.push(
        `kronos_run: ${runs.total} run row(s) for ${runs.tasks} task(s), ${runs.done} COMPLETED; exactly ${count} expected`,
      );
    }
    return problems;
  }

  async close(): Promise<void> {
    await this.engine?.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
