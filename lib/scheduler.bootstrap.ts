import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { JobExplorer } from './discovery/job-explorer.js';
import { KronosRuntime } from './kronos.runtime.js';
import { KRONOS_DATA_SOURCE_NAME } from './scheduler.module-definition.js';
import type { UserResolver } from './scheduler.options.js';
import { ensureScheduledTasks, syncDefinitions } from './service/definition-sync.js';
import { applyMisfirePolicies } from './service/misfire-sweep.js';
import { createEngine } from './storage/create-engine.js';
import { Worker } from './worker/worker.js';
import { workerName } from './worker/worker-identity.js';

/**
 * Kronos' lifecycle: discover jobs and sync definitions at `onModuleInit`, start the worker at
 * `onApplicationBootstrap`, stop claiming and drain at `beforeApplicationShutdown` (while the
 * database connection is still open).
 */
@Injectable()
export class SchedulerBootstrap implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Kronos');
  private worker?: Worker;

  constructor(
    private readonly runtime: KronosRuntime,
    private readonly explorer: JobExplorer,
    private readonly moduleRef: ModuleRef,
    @Inject(KRONOS_DATA_SOURCE_NAME) private readonly dataSourceName: string | undefined,
  ) {}

  async onModuleInit(): Promise<void> {
    const dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(this.dataSourceName) as string, { strict: false });
    this.explorer.explore(this.runtime.registry, this.runtime.options);
    const engine = await createEngine(dataSource);
    await engine.start();
    this.runtime.attach(dataSource, engine);
    const jobs = this.runtime.registry.all();
    const now = this.runtime.options.clock.now();
    const report = await syncDefinitions(dataSource, jobs, now);
    await ensureScheduledTasks(dataSource, engine, jobs, now);
    this.logger.log(
      `${jobs.length} job(s) registered on ${engine.dialect}` +
        (report.added.length ? `; added ${report.added.join(', ')}` : '') +
        (report.changed.length ? `; changed ${report.changed.join(', ')}` : '') +
        (report.missing.length ? `; missing from code (kept, not run): ${report.missing.join(', ')}` : ''),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const config = this.runtime.options.worker;
    if (!config) return;
    const moved = await applyMisfirePolicies(this.runtime.dataSource, this.runtime.registry.all(), this.runtime.options.clock.now());
    if (moved > 0) this.logger.log(`Applied misfire policies to ${moved} recurring task(s) that missed slots while no worker ran`);
    this.worker = new Worker(workerName(), this.runtime.engine, this.runtime.registry, this.runtime.options, config, {
      clock: this.runtime.options.clock,
      maxOutputBytes: this.runtime.options.maxOutputBytes,
      resolveUser: this.userResolver(),
    }, this.runtime.dataSource);
    this.worker.onLeave = (command) => {
      this.logger.warn(`Worker left on ${command}${config.exitOnCommand ? '; ending the process' : ''}`);
      if (config.exitOnCommand) process.kill(process.pid, 'SIGTERM');
    };
    await this.worker.start();
    this.logger.log(`Worker ${this.worker.name} started (groups ${config.groups.join(', ')}, concurrency ${config.concurrency})`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.worker) {
      await this.worker.stop();
      this.logger.log(`Worker ${this.worker.name} stopped`);
      this.worker = undefined;
    }
    if (this.runtime.ready) await this.runtime.engine.close();
  }

  /** The worker of this process, if any (tests and the `testing` helpers use it). */
  get currentWorker(): Worker | undefined {
    return this.worker;
  }

  private userResolver(): ((userId: string) => unknown) | null {
    const impersonation = this.runtime.options.impersonation;
    if (!impersonation) return null;
    if ('resolveUser' in impersonation) return impersonation.resolveUser;
    const resolver = this.moduleRef.get<UserResolver>(impersonation.resolver, { strict: false });
    return (userId) => resolver.resolveUser(userId);
  }
}
