import type { INestApplicationContext } from '@nestjs/common';
import { MoreThan, type DataSource } from 'typeorm';
import { Run } from '../entities/index.js';
import { expiredEvent } from '../events/event-builders.js';
import { KronosRuntime } from '../kronos.runtime.js';
import { SchedulerBootstrap } from '../scheduler.bootstrap.js';
import { applyMisfirePolicies } from '../service/misfire-sweep.js';
import type { ExpiredTask } from '../storage/engine.js';
import type { RunStatus } from '../types.js';

/** Options of {@link drain}. */
export interface DrainOptions {
  /** Fail when tasks are still running or due after this long (real time). Default 10 000 ms. */
  timeoutMs?: number;
}

/** One attempt {@link drain} reports: a run this application's worker recorded. */
export interface DrainedRun {
  /** The task's id (`SchedulerService.status(taskId)`). */
  taskId: number;
  /** The job's name. */
  job: string;
  /** How the attempt ended. */
  status: RunStatus;
  /** 1-based attempt of the task's current occurrence (2 for the first retry). */
  attempt: number;
}

/** What {@link drain} reports, in the order the runs were recorded. */
export interface DrainReport {
  /** How many attempts ran (`runs.length`). */
  count: number;
  runs: DrainedRun[];
}

/** The last run each worker's previous `drain()` reported (none yet: 0). */
const reported = new WeakMap<object, number>();

/**
 * Run every task due now (by the module's clock) in the application's worker and wait until all
 * of them, and any they make due (retries, the next slot of a recurring job), are finished and
 * recorded. Misfire policies are applied first, as when a worker starts after a downtime.
 *
 * Resolves with every attempt the application's worker recorded since its previous `drain()` (or
 * its start): the ones this call ran, and any its background loop ran meanwhile, e.g. a task
 * enqueued due now, which a worker picks up at once.
 *
 * @example
 * ```ts
 * clock.advance('7d');
 * const report = await drain(app);
 * expect(report.runs).toEqual([expect.objectContaining({ job: 'weekly-report', status: 'COMPLETED' })]);
 * ```
 * @publicApi
 */
export async function drain(app: INestApplicationContext, options: DrainOptions = {}): Promise<DrainReport> {
  const runtime = app.get(KronosRuntime, { strict: false });
  const worker = app.get(SchedulerBootstrap, { strict: false }).currentWorker;
  if (!worker)
    throw new Error(
      'drain() needs the application to run a worker (SchedulerModule.forRoot({ worker: ... }), not worker: false).',
    );
  const now = runtime.options.clock.now();
  await worker.runDue(options.timeoutMs ?? 10_000, async () => {
    await applyMisfirePolicies(runtime.dataSource, runtime.engine, runtime.registry.all(), now);
    const expired: ExpiredTask[] | undefined = runtime.events.active ? [] : undefined;
    await runtime.engine.expire(now, expired);
    if (expired && expired.length > 0) runtime.events.publish(() => expired.map(expiredEvent));
  });
  const runs = await runsSince(runtime.dataSource, worker.name, reported.get(worker) ?? 0);
  if (runs.length > 0) reported.set(worker, runs[runs.length - 1].id);
  return {
    count: runs.length,
    runs: runs.map((run) => ({ taskId: run.taskId, job: run.jobName, status: run.status, attempt: run.attempt })),
  };
}

/** The runs `worker` recorded after run `afterId`, oldest first. */
function runsSince(dataSource: DataSource, worker: string, afterId: number): Promise<Run[]> {
  return dataSource.getRepository(Run).find({
    select: { id: true, taskId: true, jobName: true, status: true, attempt: true },
    where: { worker, id: MoreThan(afterId) },
    order: { id: 'ASC' },
  });
}
