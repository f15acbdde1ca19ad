import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { longestWaiting } from '../dashboard/data/task-list.js';
import { KronosRuntime } from '../kronos.runtime.js';
import { SchedulerBootstrap } from '../scheduler.bootstrap.js';
import {
  backlogMaxWait,
  checkDuration,
  type BacklogCheckOptions,
  type DatabaseCheckOptions,
} from './health-options.js';

const DEFAULT_DATABASE_TIMEOUT_MS = 1000;

/**
 * Health checks of Kronos for `@nestjs/terminus`, each usable on its own in a `HealthCheckService`
 * check (a readiness or liveness probe). Add it to the providers of a module that imports
 * `TerminusModule`; `SchedulerModule` must be in the application.
 *
 * - `database(key)`: the scheduler's DataSource answers `SELECT 1` within a timeout.
 * - `worker(key)`: this process's worker runs, is not fenced and heartbeats (read from memory).
 * - `backlog(key, { maxWait })`: the oldest due task waiting to be claimed has waited less than `maxWait`.
 *
 * A check reports `down` with a `message` (and never throws) when what it checks fails; bad
 * options throw `InvalidHealthCheckOptionError`.
 * @publicApi
 */
@Injectable()
export class KronosHealthIndicator implements OnModuleInit {
  private runtime!: KronosRuntime;
  private bootstrap!: SchedulerBootstrap;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.runtime = this.moduleRef.get(KronosRuntime, { strict: false });
    this.bootstrap = this.moduleRef.get(SchedulerBootstrap, { strict: false });
  }

  /** Up when the scheduler's database answers `SELECT 1` within `timeout` (default 1 s); reports `responseTimeMs`. */
  async database<const Key extends string>(
    key: Key,
    options: DatabaseCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const timeoutMs =
      options.timeout === undefined ? DEFAULT_DATABASE_TIMEOUT_MS : checkDuration(key, 'timeout', options.timeout);
    const session = this.health.check(key);
    const started = performance.now();
    try {
      await withTimeout(this.runtime.dataSource.query('SELECT 1'), timeoutMs);
      return session.up({ responseTimeMs: Math.round(performance.now() - started) });
    } catch (error) {
      return session.down({ message: `the database did not answer: ${(error as Error).message}` });
    }
  }

  /**
   * Up while this process's worker is claiming, or disabled by a worker command (an operator's
   * choice, not a fault). Down when it is fenced (no heartbeat back for more than half of
   * `deadAfter`: it claims nothing until the database answers), has stopped or left, has not
   * started yet, and in a process configured with `worker: false` (a web-only process has no
   * worker to check: leave this check out of its probe). Reads the worker's memory, no query.
   */
  async worker<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    if (this.runtime.options.worker === false)
      return session.down({ message: 'this process runs no worker (SchedulerModule worker: false)' });
    const worker = this.bootstrap.currentWorker;
    if (!worker) return session.down({ message: 'the worker is not running (not started yet, or shut down)' });
    const { name, state, silentForMs, deadAfterMs } = worker.health();
    const data = { worker: name, state, lastHeartbeatMsAgo: Math.round(silentForMs) };
    switch (state) {
      case 'claiming':
      case 'disabled':
        return session.up(data);
      case 'fenced':
        return session.down({
          ...data,
          message: `worker ${name} is fenced: no heartbeat back for ${data.lastHeartbeatMsAgo} ms (over half of deadAfter, ${deadAfterMs} ms), so it claims nothing until the database answers`,
        });
      case 'stopped':
        return session.down({ ...data, message: `worker ${name} has stopped` });
    }
  }

  /**
   * Up while the oldest due QUEUED task (any job, any group) has waited less than `maxWait`
   * since its due time; reports that task's id and wait. One query, served by the status index
   * (the dashboard's "longest wait of a due task").
   * @throws InvalidHealthCheckOptionError when `maxWait` is missing or no duration.
   */
  async backlog<const Key extends string>(key: Key, options: BacklogCheckOptions): Promise<HealthIndicatorResult<Key>> {
    const maxWaitMs = backlogMaxWait(key, options);
    const session = this.health.check(key);
    let oldest: { id: number; since: number } | null;
    const now = this.runtime.options.clock.now();
    try {
      oldest = await longestWaiting(this.runtime.dataSource, now);
    } catch (error) {
      return session.down({ message: `the backlog could not be read: ${(error as Error).message}` });
    }
    const waitMs = oldest ? Math.max(0, now - oldest.since) : 0;
    const data = { oldestDueTask: oldest?.id ?? null, waitMs, maxWaitMs };
    if (waitMs <= maxWaitMs) return session.up(data);
    return session.down({
      ...data,
      message: `task ${oldest!.id} has waited ${waitMs} ms since it was due, over maxWait (${maxWaitMs} ms)`,
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
