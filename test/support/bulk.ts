import type { INestApplicationContext } from '@nestjs/common';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import type { NewTask } from '../../lib/storage/engine.js';
import { taskUuid } from '../../lib/service/task-uuid.js';

/**
 * A task due now in group `main`, with no timeout, schedule or author, as the engine's batch
 * `enqueue(tasks[])` takes it; `payload` is written as JSON, and the uuid is made as
 * `SchedulerService.enqueue` makes it (`taskUuid`, time-ordered).
 */
export function dueTask(jobName: string, payload: unknown, overrides: Partial<NewTask> = {}): NewTask {
  return {
    uuid: taskUuid(),
    jobName,
    payload: JSON.stringify(payload),
    group: 'main',
    priority: 0,
    nextRunTime: null,
    stopTime: null,
    timeoutMs: null,
    retries: 0,
    runAs: null,
    queuedBy: null,
    schedule: null,
    repeats: 0,
    ...overrides,
  };
}

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
      tasks.push(dueTask(jobName, { n }, { retries: 5 }));
    }
    await engine.enqueue(tasks);
  }
}
