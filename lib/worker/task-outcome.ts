import type { AttemptResult } from '../execution/attempt.js';
import { nextAfterMisfire } from '../schedule/next-run.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import type { ClaimedTask, TaskOutcome } from '../storage/engine.js';
import type { TaskStatus } from '../types.js';

export interface OutcomePolicy {
  worker: string;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
}

/** Delay before retry `attempt + 1`: the base doubled per attempt already made, capped. */
export function retryDelay(attempt: number, policy: OutcomePolicy): number {
  return Math.min(policy.retryBackoffMs * 2 ** Math.max(0, attempt - 1), policy.maxRetryBackoffMs);
}

/**
 * The task state machine after one attempt (docs/architecture.md):
 * - COMPLETED: done; a recurring task is re-queued for its next slot until `repeats` is reached.
 * - FAILED / TIMEOUT: re-queued with exponential back-off while retries remain; then the task
 *   ends with that status, except a recurring task, which moves on to its next slot.
 * - STOPPED: the task ends STOPPED (recurring ones too: a stop is an admin's decision).
 * - INTERRUPTED (shutdown): re-queued at once; the attempt is not counted.
 */
export function taskOutcome(task: ClaimedTask, attempt: AttemptResult, policy: OutcomePolicy): TaskOutcome {
  const outcome = (
    taskStatus: TaskStatus,
    timesRun: number,
    timesFailed: number,
    nextRunTime: number | null = null,
    delayMs = 0,
    nextAttempt = task.attempt,
  ): TaskOutcome => ({
    taskId: task.id,
    claimToken: task.claimToken,
    jobName: task.jobName,
    worker: policy.worker,
    attempt: task.attempt,
    runAs: task.runAs,
    scheduledFor: task.scheduledFor,
    runStatus: attempt.status,
    startTime: attempt.startTime,
    stopTime: attempt.stopTime,
    result: attempt.result,
    message: attempt.message,
    output: attempt.output,
    traceback: attempt.traceback,
    taskStatus,
    nextRunTime,
    delayMs,
    timesRun,
    timesFailed,
    nextAttempt,
  });
  /** The next slot of a recurring task that has repeats left, else null. */
  const nextSlot = (timesRun: number): number | null => {
    if (!task.schedule || (task.repeats !== 0 && timesRun >= task.repeats)) return null;
    const schedule: NormalizedSchedule = JSON.parse(task.schedule);
    return nextAfterMisfire(schedule, task.scheduledFor, attempt.stopTime);
  };

  switch (attempt.status) {
    case 'INTERRUPTED':
      return outcome('QUEUED', task.timesRun, task.timesFailed, null, 0, task.attempt - 1);
    case 'STOPPED':
      return outcome('STOPPED', task.timesRun + 1, task.timesFailed);
    case 'COMPLETED': {
      const timesRun = task.timesRun + 1;
      const next = nextSlot(timesRun);
      return next === null ? outcome('COMPLETED', timesRun, task.timesFailed) : outcome('QUEUED', timesRun, task.timesFailed, next, 0, 0);
    }
    default: {
      const timesRun = task.timesRun + 1;
      const timesFailed = task.timesFailed + 1;
      if (attempt.retryable && task.attempt <= task.retries) {
        return outcome('QUEUED', timesRun, timesFailed, null, retryDelay(task.attempt, policy));
      }
      const next = nextSlot(timesRun);
      return next === null ? outcome(attempt.status, timesRun, timesFailed) : outcome('QUEUED', timesRun, timesFailed, next, 0, 0);
    }
  }
}
