import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import type { NewTask } from '../../lib/storage/engine.js';

/**
 * Enqueue many tasks fast for fleet tests: the engine's batch insert, in chunks. (Users call
 * `SchedulerService.enqueue`; the specs of that path are in test/core.)
 */
export async function enqueueMany(
  app: INestApplicationContext,
  jobName: string,
  count: number,
  chunk = 500,
): Promise<void> {
  const engine = app.get(KronosRuntime, { strict: false }).engine;
  for (let start = 0; start < count; start += chunk) {
    const tasks: NewTask[] = [];
    for (let n = start; n < Math.min(count, start + chunk); n++) {
      tasks.push({
        uuid: randomUUID(),
        jobName,
        payload: JSON.stringify({ n }),
        group: 'main',
        priority: 0,
        nextRunTime: null,
        stopTime: null,
        timeoutMs: null,
        retries: 5,
        runAs: null,
        queuedBy: null,
        schedule: null,
        repeats: 0,
      });
    }
    await engine.enqueue(tasks);
  }
}
