import type { RegisteredJob } from '../registry/registered-job.js';
import type { ClaimedTask, Instant, NewTask, TaskOutcome } from '../storage/engine.js';
import type { DeadLetter, JsonValue } from '../types.js';

/** The uuid of a task's dead letter: one per task and occurrence, so writing it twice writes it once. */
export const deadLetterUuid = (task: ClaimedTask): string => `kronos:dead-letter:${task.id}:${task.scheduledFor}`;

/**
 * The dead letter of an attempt, if it was the task's last failure: FAILED or TIMEOUT with no
 * retry left (a recurring task's occurrence counts once its retries are spent). Null otherwise.
 */
export function deadLetterTask(
  task: ClaimedTask,
  outcome: TaskOutcome,
  target: RegisteredJob,
  now: Instant,
): NewTask | null {
  if (outcome.runStatus !== 'FAILED' && outcome.runStatus !== 'TIMEOUT') return null;
  if (outcome.taskStatus === 'QUEUED' && outcome.nextAttempt === outcome.attempt) return null; // retrying
  const letter: DeadLetter = {
    taskId: task.id,
    uuid: task.uuid,
    job: task.jobName,
    payload: parsePayload(task.payload),
    status: outcome.runStatus,
    attempts: outcome.attempt,
    error: { message: outcome.message, traceback: outcome.traceback },
    failedAt: outcome.stopTime,
    runAs: task.runAs,
  };
  return {
    uuid: deadLetterUuid(task),
    jobName: target.name,
    payload: JSON.stringify(letter),
    group: target.group,
    priority: target.priority,
    nextRunTime: now,
    stopTime: null,
    timeoutMs: null,
    retries: target.retries,
    runAs: null,
    queuedBy: null,
    schedule: null,
    repeats: 0,
  };
}

function parsePayload(payload: string | null): JsonValue | null {
  if (payload === null) return null;
  try {
    return JSON.parse(payload) as JsonValue;
  } catch {
    return payload; // written by hand, not JSON: handed on as the text it is
  }
}
