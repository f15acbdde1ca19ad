import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { IniProblem } from './config/ini-reader.js';
import { EventListenerExplorer } from './discovery/event-listener-explorer.js';
import { JobExplorer } from './discovery/job-explorer.js';
import { inProcessOnly } from './execution/executor.js';
import type { ChildServer } from './isolation/child-server.js';
import { assertIsolationConfigured } from './isolation/isolation-options.js';
import type { ProcessPool } from './isolation/process-pool.js';
import { isKronosChild } from './isolation/protocol.js';
import { KronosRuntime } from './kronos.runtime.js';
import { Retention } from './maintenance/retention.js';
import { HistoryPartitionKeeper } from './maintenance/history-partitions.js';
import { historyMaintenance } from './storage/history-maintenance.js';
import { startTelemetry } from './observability/telemetry.js';
import { KRONOS_DATA_SOURCE_NAME } from './scheduler.module-definition.js';
import type { UserResolver } from './scheduler.options.js';
import { replanFromClock } from './service/clock-replan.js';
import { ensureScheduledTasks, syncDefinitions, type SyncReport } from './service/definition-sync.js';
import { applyMisfirePolicies } from './service/misfire-sweep.js';
import { createEngine } from './storage/create-engine.js';
import { ensureSupportTables } from './migrations/support-tables.js';
import { TaskWorker } from './worker/worker.js';
import { workerName } from './worker/worker-identity.js';

/** What `onModuleInit` did: the definition sync and the scheduler.ini sections left out. */
export interface StartupReport {
  sync: SyncReport;
  iniProblems: IniProblem[];
}

/**
 * Kronos' lifecycle: discover jobs and sync definitions at `onModuleInit`, start the worker at
 * `onApplicationBootstrap`, stop claiming and drain at `beforeApplicationShutdown` (while the
 * database connection is still open).
 */
@Injectable()
export class SchedulerBootstrap implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Kronos');
  private worker?: TaskWorker;
  private pool?: ProcessPool;
  private childServer?: ChildServer;
  private retention?: Retention;
  private partitionKeeper?: HistoryPartitionKeeper;
  private report?: StartupReport;

  constructor(
    private readonly runtime: KronosRuntime,
    private readonly explorer: JobExplorer,
    private readonly listenerExplorer: EventListenerExplorer,
    private readonly moduleRef: ModuleRef,
    @Inject(KRONOS_DATA_SOURCE_NAME) private readonly dataSourceName: string | undefined,
  ) {}

  async onModuleInit(): Promise<void> {
    const dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(this.dataSourceName), { strict: false });
    this.explorer.explore(this.runtime.registry, this.runtime.options);
    this.listenerExplorer.explore(this.runtime.events);
    const configFile = this.runtime.options.configFile;
    // The scheduler.ini reader, the isolation pool and its child side are loaded only when used:
    // a worker that needs none of them does not carry their code.
    const ini = configFile ? await import('./config/ini-loader.js') : null;
    const iniProblems = ini ? await ini.loadConfigFile(configFile!, this.runtime.registry, this.runtime.options) : [];
    if (iniProblems.length > 0) {
      const { formatIniProblem } = await import('./config/ini-reader.js');
      for (const problem of iniProblems)
        this.logger.warn(`scheduler.ini section left out: ${formatIniProblem(problem)}`);
    }
    if (!isKronosChild()) assertIsolationConfigured(this.runtime.registry.all(), this.runtime.options.isolation);
    const engine = await createEngine(dataSource, this.runtime.options.postgres);
    if (this.runtime.options.postgres.given && engine.dialect !== 'postgres') {
      this.logger.warn(`The postgres option is ignored: the DataSource is ${dataSource.options.type}, not PostgreSQL`);
    }
    await engine.start();
    this.runtime.telemetry = await startTelemetry(dataSource, () => this.runtime.registry.all());
    this.runtime.attach(dataSource, engine);
    // An isolation child process only runs handlers for its parent worker, which owns the rest.
    if (isKronosChild()) return;
    await ensureSupportTables(dataSource, engine.dialect);
    const jobs = this.runtime.registry.all();
    const now = this.runtime.options.clock.now();
    const report = await syncDefinitions(dataSource, engine, jobs, now, { configFileLoaded: configFile !== null });
    this.report = { sync: report, iniProblems };
    await ensureScheduledTasks(dataSource, engine, jobs, now);
    if (!this.runtime.options.clock.isSystemClock) await this.replanFromTestClock(now);
    this.logger.log(
      `${jobs.length} job(s) registered on ${engine.dialect}` +
        (report.added.length ? `; added ${report.added.join(', ')}` : '') +
        (report.changed.length ? `; changed ${report.changed.join(', ')}` : '') +
        (report.missing.length ? `; missing from code (kept, not run): ${report.missing.join(', ')}` : ''),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (isKronosChild()) return await this.serveParent();
    const config = this.runtime.options.worker;
    if (!config) return;
    const moved = await applyMisfirePolicies(
      this.runtime.dataSource,
      this.runtime.engine,
      this.runtime.registry.all(),
      this.runtime.options.clock.now(),
    );
    if (moved > 0)
      this.logger.log(`Applied misfire policies to ${moved} recurring task(s) that missed slots while no worker ran`);
    const resolveUser = this.userResolver();
    const isolation = this.runtime.options.isolation
      ? (await import('./isolation/process-pool.js')).createIsolation(
          this.runtime.registry.all(),
          this.runtime.options.isolation,
          config.concurrency,
          resolveUser,
        )
      : null;
    isolation?.pool.start();
    this.pool = isolation?.pool;
    this.worker = new TaskWorker(
      workerName(),
      this.runtime.engine,
      this.runtime.registry,
      this.runtime.options,
      config,
      {
        clock: this.runtime.options.clock,
        maxOutputBytes: this.runtime.options.maxOutputBytes,
        resolveUser,
        executorFor: isolation?.executorFor ?? inProcessOnly(resolveUser),
      },
      this.runtime.events,
      this.runtime.telemetry,
    );
    this.worker.onLeave = (command) => {
      this.logger.warn(`Worker left on ${command}${config.exitOnCommand ? '; ending the process' : ''}`);
      if (config.exitOnCommand) process.kill(process.pid, 'SIGTERM');
    };
    await this.worker.start();
    this.logger.log(
      `Worker ${this.worker.name} started (groups ${config.groups.join(', ')}, concurrency ${config.concurrency})`,
    );
    // A partitioned run table (docs/partitioning.md): partitions ahead, and retention drops whole ones.
    const history = await historyMaintenance(this.runtime.dataSource, this.runtime.options.postgres.partitionHistory);
    if (history?.partitioning) {
      this.partitionKeeper = new HistoryPartitionKeeper(history, this.runtime.options.clock);
      await this.partitionKeeper.start();
    }
    if (this.runtime.options.retention) {
      this.retention = new Retention(
        this.runtime.engine,
        this.runtime.options.retention,
        this.runtime.options.clock,
        history,
      );
      this.retention.start();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.retention?.stop();
    await this.partitionKeeper?.stop();
    if (this.worker) {
      await this.worker.stop();
      this.logger.log(`Worker ${this.worker.name} stopped`);
      this.worker = undefined;
    }
    await this.pool?.close();
    this.pool = undefined;
    this.childServer?.close();
    this.runtime.telemetry.metrics?.close();
    if (this.runtime.ready) await this.runtime.engine.close();
    await this.runtime.clusterEvents.close();
    this.runtime.events.close();
  }

  /** A test clock: recurring tasks start from its now, whatever an earlier run stored. */
  private async replanFromTestClock(now: number): Promise<void> {
    const moved = await replanFromClock(this.runtime.dataSource, this.runtime.engine, this.runtime.registry.all(), now);
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const { job, from, to } of moved)
      this.logger.log(`Test clock at ${iso(now)}: ${job} re-planned from its stored slot ${iso(from)} to ${iso(to)}`);
  }

  /** What start-up synced and which scheduler.ini sections it left out (`kronos discover`). */
  get startupReport(): StartupReport | undefined {
    return this.report;
  }

  /** The worker of this process, if any (tests and the `testing` helpers use it). */
  get currentWorker(): TaskWorker | undefined {
    return this.worker;
  }

  /** In an isolation child process: serve the parent worker's run requests instead of running a worker. */
  private async serveParent(): Promise<void> {
    const { ChildServer } = await import('./isolation/child-server.js');
    this.childServer = new ChildServer(this.runtime.registry, this.userResolver(), this.runtime.telemetry.tracing);
    this.childServer.start();
  }

  private userResolver(): ((userId: string) => unknown) | null {
    const impersonation = this.runtime.options.impersonation;
    if (!impersonation) return null;
    if ('resolveUser' in impersonation) return impersonation.resolveUser;
    const resolver = this.moduleRef.get<UserResolver>(impersonation.resolver, { strict: false });
    return (userId) => resolver.resolveUser(userId);
  }
}
