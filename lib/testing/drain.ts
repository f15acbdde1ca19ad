import type { INestApplicationContext } from '@nestjs/common';
import { KronosRuntime } from '../kronos.runtime.js';
import { SchedulerBootstrap } from '../scheduler.bootstrap.js';
import { applyMisfirePolicies } from '../service/misfire-sweep.js';

/**
 * Run every task due now (by the module's clock) in the application's worker and wait until all
 * of them, and any they make due, are finished and recorded. Misfire policies are applied first,
 * as when a worker starts after a downtime. Resolves with the number of tasks run.
 * @publicApi
 */
export async function drain(app: INestApplicationContext, options: { timeoutMs?: number } = {}): Promise<number> {
  const runtime = app.get(KronosRuntime, { strict: false });
  const worker = app.get(SchedulerBootstrap, { strict: false }).currentWorker;
  if (!worker) throw new Error('drain() needs the application to run a worker (SchedulerModule.forRoot({ worker: ... }), not worker: false).');
  const now = runtime.options.clock.now();
  return worker.runDue(options.timeoutMs ?? 10_000, async () => {
    await applyMisfirePolicies(runtime.dataSource, runtime.registry.all(), now);
    await runtime.engine.expire(now);
  });
}
