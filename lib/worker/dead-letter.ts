import type { JobRegistry } from '../registry/job-registry.js';
import { deadLetterTask, type DeadLetterRoute, type DeadLetterRoutes } from '../storage/dead-letter-task.js';
import type { ClaimedTask, Instant, NewTask, TaskOutcome } from '../storage/engine.js';

export { deadLetterUuid } from '../storage/dead-letter-task.js';

/** The dead-letter routes of the registered jobs that have a `deadLetter` job (empty when none has). */
export function deadLetterRoutes(registry: JobRegistry): DeadLetterRoutes {
  const routes = new Map<string, DeadLetterRoute>();
  for (const job of registry.all()) {
    const target = job.deadLetter === null ? undefined : registry.get(job.deadLetter);
    if (target)
      routes.set(job.name, {
        jobName: target.name,
        group: target.group,
        priority: target.priority,
        retries: target.retries,
      });
  }
  return routes;
}

/**
 * The dead letter of an attempt, if it was the task's last failure: FAILED or TIMEOUT with no
 * retry left (a recurring task's occurrence counts once its retries are spent). Null otherwise.
 * It travels with the outcome (`TaskOutcome.deadLetter`): the engine writes both in one transaction.
 */
export function attemptDeadLetter(
  task: ClaimedTask,
  outcome: TaskOutcome,
  route: DeadLetterRoute,
  now: Instant,
): NewTask | null {
  if (outcome.runStatus !== 'FAILED' && outcome.runStatus !== 'TIMEOUT') return null;
  if (outcome.taskStatus === 'QUEUED' && outcome.nextAttempt === outcome.attempt) return null; // retrying
  return deadLetterTask(
    task,
    {
      status: outcome.runStatus,
      attempts: outcome.attempt,
      message: outcome.message,
      traceback: outcome.traceback,
      failedAt: outcome.stopTime,
    },
    route,
    now,
  );
}
