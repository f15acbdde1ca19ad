import type { AttemptResult } from '../execution/attempt.js';
import { nextAfterMisfire } from '../schedule/next-run.js';
import type { NormalizedSchedule } from '../schedule/schedule.types.js';
import type { ClaimedTask, TaskOutcome } from '../storage/engine.js';
import type { TaskStatus } from '../types.js';

export interface OutcomePolicy {
  worker: string;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** Jobs whose tasks are deleted when they complete for good (`JobOptions.removeOnComplete`). */
  removable?: ReadonlySet<string>;
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
  switch (attempt.status) {
    case 'INTERRUPTED':
      return outcome(task, attempt, policy, 'QUEUED', task.timesRun, task.timesFailed, null, 0, task.attempt - 1);
    case 'STOPPED':
      return outcome(task, attempt, policy, 'STOPPED', task.timesRun + 1, task.timesFailed, null, 0, task.attempt);
    case 'COMPLETED': {
      const timesRun = task.timesRun + 1;
      const next = nextSlot(task, attempt, timesRun);
      return next === null
        ? outcome(task, attempt, policy, 'COMPLETED', timesRun, task.timesFailed, null, 0, task.attempt)
        : outcome(task, attempt, policy, 'QUEUED', timesRun, task.timesFailed, next, 0, 0);
    }
    default: {
      const timesRun = task.timesRun + 1;
      const timesFailed = task.timesFailed + 1;
      if (attempt.retryable && task.attempt <= task.retries) {
        return outcome(
          task,
          attempt,
          policy,
          'QUEUED',
          timesRun,
          timesFailed,
          null,
          retryDelay(task.attempt, policy),
          task.attempt,
        );
      }
      const next = nextSlot(task, attempt, timesRun);
      return next === null
        ? outcome(task, attempt, policy, attempt.status, timesRun, timesFailed, null, 0, task.attempt)
        : outcome(task, attempt, policy, 'QUEUED', timesRun, timesFailed, next, 0, 0);
    }
  }
}

/** The next slot of a recurring task that has repeats left, else null. */
function nextSlot(task: ClaimedTask, attempt: AttemptResult, timesRun: number): number | null {
  if (!task.schedule || (task.repeats !== 0 && timesRun >= task.repeats)) return null;
  const schedule = JSON.parse(task.schedule) as NormalizedSchedule;
  return nextAfterMisfire(schedule, task.scheduledFor, attempt.stopTime);
}

/** Every outcome has the same shape, built in one literal (it is on the hot path). */
function outcome(
  task: ClaimedTask,
  attempt: AttemptResult,
  policy: OutcomePolicy,
  taskStatus: TaskStatus,
  timesRun: number,
  timesFailed: number,
  nextRunTime: number | null,
  delayMs: number,
  nextAttempt: number,
): TaskOutcome {
  return {
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
    removeTask: taskStatus === 'COMPLETED' && policy.removable !== undefined && policy.removable.has(task.jobName),
  };
}
