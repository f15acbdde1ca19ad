import type { AttemptResult } from '../execution/attempt.js';
import { nextAfterMisfire } from '../schedule/next-run.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import type { ClaimedTask, TaskOutcome } from '../storage/engine.js';

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
  const base = {
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
    nextRunTime: null,
    delayMs: 0,
    timesRun: task.timesRun,
    timesFailed: task.timesFailed,
    nextAttempt: task.attempt,
  };
  const schedule: NormalizedSchedule | null = task.schedule ? JSON.parse(task.schedule) : null;
  const nextSlot = () => (schedule ? nextAfterMisfire(schedule, task.scheduledFor, attempt.stopTime) : null);

  switch (attempt.status) {
    case 'INTERRUPTED':
      return { ...base, taskStatus: 'QUEUED', nextAttempt: task.attempt - 1 };
    case 'STOPPED':
      return { ...base, taskStatus: 'STOPPED', timesRun: task.timesRun + 1 };
    case 'COMPLETED': {
      const timesRun = task.timesRun + 1;
      const next = schedule && (task.repeats === 0 || timesRun < task.repeats) ? nextSlot() : null;
      return next === null
        ? { ...base, taskStatus: 'COMPLETED', timesRun }
        : { ...base, taskStatus: 'QUEUED', timesRun, nextRunTime: next, nextAttempt: 0 };
    }
    default: {
      const timesRun = task.timesRun + 1;
      const timesFailed = task.timesFailed + 1;
      if (attempt.retryable && task.attempt <= task.retries) {
        return { ...base, taskStatus: 'QUEUED', timesRun, timesFailed, delayMs: retryDelay(task.attempt, policy) };
      }
      const next = schedule && (task.repeats === 0 || timesRun < task.repeats) ? nextSlot() : null;
      return next === null
        ? { ...base, taskStatus: attempt.status, timesRun, timesFailed }
        : { ...base, taskStatus: 'QUEUED', timesRun, timesFailed, nextRunTime: next, nextAttempt: 0 };
    }
  }
}
