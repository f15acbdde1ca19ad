import { readFileSync } from 'node:fs';
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { KRONOS_ENTITIES, KRONOS_MIGRATIONS, ScheduledTask, SchedulerModule } from '../../lib/index.js';
import type { ScheduledTaskOptions } from '../../lib/index.js';
import { connectionString, type Server } from '../support/settings.js';

/**
 * Recurring definitions at scale: `definitions` `@ScheduledTask` jobs in one application, on
 * PostgreSQL.
 *
 * - **start-up**: the time `NestFactory.createApplicationContext` takes (discovery, definition
 *   sync, the recurring tasks' rows, worker start) with an empty database (first deployment) and
 *   again with the definitions stored (every later start), beside an application with no
 *   definitions; the database transactions each start committed (`pg_stat_database`), and the
 *   process's memory before and after (heap after a full collection when Node runs with
 *   `--expose-gc`, and RSS).
 * - **keeping them scheduled**: a worker runs them for `minutes` whole minutes; per minute, the
 *   runs written, the database's transactions, rows inserted and updated, the CPU of the
 *   PostgreSQL backends serving the application and of the application's process. `mode`:
 *   `'burst'`, every definition due at the start of every minute (`cron: '* * * * *'`), or
 *   `'spread'`, the same number spread over the minute's seconds (`cron: 's * * * * *'`).
 *
 * The database (`server.database`) gets its Kronos tables dropped and rebuilt: give it one of its
 * own.
 */
export interface RecurringDefinitionsOptions {
  server: Server;
  definitions: number;
  mode: 'burst' | 'spread';
  /** Whole minutes the worker runs them (0: start-up figures only). */
  minutes: number;
  /** Told what happens, for long runs. */
  log?: (line: string) => void;
}

export interface StartFigures {
  ms: number;
  /** Transactions committed in the benchmark's database while the application started. */
  transactions: number;
  rssMb: number;
  heapMb: number;
}

export interface RecurringDefinitionsResult {
  definitions: number;
  mode: 'burst' | 'spread';
  /** An application with no definitions, for reference. */
  empty: StartFigures;
  firstStart: StartFigures;
  restart: StartFigures;
  /** Heap and RSS added by the application with its definitions (after start, against before). */
  memory: { heapMb: number; rssMb: number };
  perMinute: null | {
    minutes: number;
    runs: number;
    transactions: number;
    rowsInserted: number;
    rowsUpdated: number;
    databaseCpuMs: number;
    workerCpuMs: number;
  };
}

const APPLICATION = 'kronos-recurring-bench';
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
  'kronos_recurring_migrations',
];
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A provider class with `count` recurring jobs, declared with the decorator as an application would. */
function recurringJobs(count: number, mode: 'burst' | 'spread', runs: { n: number }): new () => object {
  class RecurringJobs {}
  for (let i = 0; i < count; i++) {
    const key = `job${i}`;
    const descriptor: PropertyDescriptor = {
      value: async () => {
        runs.n++;
      },
      writable: true,
      configurable: true,
    };
    Object.defineProperty(RecurringJobs.prototype, key, descriptor);
    const spec: ScheduledTaskOptions = mode === 'burst' ? { cron: '* * * * *' } : { cron: `${i % 60} * * * * *` };
    ScheduledTask(`recurring.${i}`, spec)(RecurringJobs.prototype, key, descriptor);
  }
  Injectable()(RecurringJobs);
  return RecurringJobs;
}

export async function recurringDefinitions(options: RecurringDefinitionsOptions): Promise<RecurringDefinitionsResult> {
  const { server, definitions, mode, minutes } = options;
  const log = options.log ?? (() => {});
  const dataSource = {
    type: 'postgres' as const,
    host: server.host,
    port: server.port,
    username: server.user,
    password: server.password,
    database: server.database,
    applicationName: APPLICATION,
    // Keep the pool's connections for the whole window: their server processes' CPU is read at its end.
    extra: { idleTimeoutMillis: 0 },
  };
  const setup = new DataSource({
    ...dataSource,
    entities: KRONOS_ENTITIES,
    migrations: [...KRONOS_MIGRATIONS.postgres],
    migrationsTableName: 'kronos_recurring_migrations',
  });
  await setup.initialize();
  for (const table of TABLES) await setup.query(`DROP TABLE IF EXISTS ${table}`);
  await setup.runMigrations({ transaction: 'all' });
  await setup.destroy();

  const observer = new pg.Client({ connectionString: connectionString(server) });
  await observer.connect();
  const databaseCounters = async () => {
    await observer.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await observer.query(
      `SELECT xact_commit + xact_rollback AS x, tup_inserted AS i, tup_updated AS u
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    return { transactions: Number(rows[0].x), inserted: Number(rows[0].i), updated: Number(rows[0].u) };
  };
  const backendCpu = async (): Promise<Map<number, number>> => {
    const { rows } = await observer.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [APPLICATION],
    );
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu.set(pid, (Number(f[11]) + Number(f[12])) * 10);
      } catch {
        // gone meanwhile
      }
    }
    return cpu;
  };

  const runs = { n: 0 };
  const start = async (
    count: number,
    worker: boolean,
  ): Promise<{ app: INestApplicationContext; figures: StartFigures }> => {
    const jobs = recurringJobs(count, mode, runs);
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...dataSource, autoLoadEntities: true, synchronize: false }),
        SchedulerModule.forRoot({ worker: worker ? {} : false }),
      ],
      providers: [jobs],
    })
    class RecurringModule {}
    gc();
    const counters = await databaseCounters();
    const t0 = performance.now();
    const app = await NestFactory.createApplicationContext(RecurringModule, { logger: ['error', 'warn'] });
    const ms = performance.now() - t0;
    // pg_stat_database counts a backend's transactions once it reports them (at most every second, idle).
    await sleep(1500);
    const after = await databaseCounters();
    gc();
    const now = process.memoryUsage();
    return {
      app,
      figures: {
        ms: Math.round(ms),
        transactions: after.transactions - counters.transactions,
        rssMb: mb(now.rss),
        heapMb: mb(now.heapUsed),
      },
    };
  };

  log(`recurring definitions (${mode}): an application with none`);
  const empty = await start(0, false);
  await empty.app.close();
  gc();
  const baseHeap = process.memoryUsage().heapUsed;
  const baseRss = process.memoryUsage().rss;
  log(`recurring definitions (${mode}): first start with ${definitions}`);
  const first = await start(definitions, false);
  await first.app.close();
  log(`recurring definitions (${mode}): restart with ${definitions}`);
  const again = await start(definitions, minutes > 0);
  gc();
  const memory = {
    heapMb: mb(process.memoryUsage().heapUsed - baseHeap),
    rssMb: mb(process.memoryUsage().rss - baseRss),
  };

  let perMinute: RecurringDefinitionsResult['perMinute'] = null;
  if (minutes > 0) {
    // Measure whole minutes, from 5 s after a minute starts (the restart's own writes are over).
    await sleep(60_000 - (Date.now() % 60_000) + 5_000);
    log(`recurring definitions (${mode}): measuring ${minutes} minute(s)`);
    const runs0 = runs.n;
    const c0 = await databaseCounters();
    const cpu0 = await backendCpu();
    const w0 = process.cpuUsage();
    await sleep(minutes * 60_000);
    const w1 = process.cpuUsage(w0);
    const cpu1 = await backendCpu();
    const c1 = await databaseCounters();
    let databaseCpuMs = 0;
    for (const [pid, ms] of cpu1) databaseCpuMs += ms - (cpu0.get(pid) ?? 0);
    perMinute = {
      minutes,
      runs: Math.round((runs.n - runs0) / minutes),
      transactions: Math.round((c1.transactions - c0.transactions) / minutes),
      rowsInserted: Math.round((c1.inserted - c0.inserted) / minutes),
      rowsUpdated: Math.round((c1.updated - c0.updated) / minutes),
      databaseCpuMs: Math.round(databaseCpuMs / minutes),
      workerCpuMs: Math.round((w1.user + w1.system) / 1000 / minutes),
    };
  }
  await again.app.close();
  await observer.end();
  return {
    definitions,
    mode,
    empty: empty.figures,
    firstStart: first.figures,
    restart: again.figures,
    memory,
    perMinute,
  };
}
