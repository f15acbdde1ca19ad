import type { ExpiredTask, LostRun, StoppedTask, TaskOutcome } from '../storage/engine.js';
import { workerLostMessage } from '../storage/lost-attempt.js';
import type { JsonValue } from '../types.js';
import type { TaskEvent } from './task-event.js';

/**
 * The event of a finished attempt the worker wrote (`runId`: its run row). FAILED and TIMEOUT
 * are `retrying` when the task went back to the queue for another attempt of the same occurrence
 * (`nextAttempt` kept), `failed` / `timeout` otherwise, also when a recurring task moves on.
 */
export function outcomeEvent(o: TaskOutcome, runId: number): TaskEvent {
  const base = {
    taskId: o.taskId,
    runId,
    job: o.jobName,
    attempt: o.attempt,
    userId: o.runAs,
    status: o.taskStatus,
    message: o.message,
    worker: o.worker,
    finishedAt: o.stopTime,
  };
  switch (o.runStatus) {
    case 'COMPLETED':
      return {
        ...base,
        type: 'completed',
        runStatus: 'COMPLETED',
        error: null,
        result: o.result === null ? null : (JSON.parse(o.result) as JsonValue),
      };
    case 'STOPPED':
      return { ...base, type: 'stopped', runStatus: 'STOPPED', status: 'STOPPED', error: null };
    case 'INTERRUPTED':
      return { ...base, type: 'interrupted', runStatus: 'INTERRUPTED', status: 'QUEUED', error: null };
    case 'FAILED':
    case 'TIMEOUT': {
      const error = { message: o.message ?? o.runStatus, stack: o.traceback };
      if (o.taskStatus === 'QUEUED' && o.nextAttempt === o.attempt) {
        return { ...base, type: 'retrying', runStatus: o.runStatus, status: 'QUEUED', error, retryDelayMs: o.delayMs };
      }
      return o.runStatus === 'FAILED'
        ? { ...base, type: 'failed', runStatus: 'FAILED', error }
        : { ...base, type: 'timeout', runStatus: 'TIMEOUT', error };
    }
  }
}

/** The events of a written batch: one per outcome that was not fenced out (`runIds[i]` > 0). */
export function batchEvents(outcomes: readonly TaskOutcome[], runIds: readonly number[]): TaskEvent[] {
  const events: TaskEvent[] = [];
  for (let i = 0; i < outcomes.length; i++) if (runIds[i] > 0) events.push(outcomeEvent(outcomes[i], runIds[i]));
  return events;
}

/** An attempt rescue recorded as LOST. */
export function lostEvent(lost: LostRun): TaskEvent {
  const message = workerLostMessage(lost.worker);
  return {
    type: 'lost',
    taskId: lost.taskId,
    runId: lost.runId,
    job: lost.jobName,
    attempt: lost.attempt,
    userId: lost.runAs,
    status: lost.taskStatus,
    runStatus: 'LOST',
    message,
    error: { message, stack: null },
    worker: lost.worker,
    finishedAt: lost.at,
  };
}

/** A task whose stop time passed unclaimed. */
export function expiredEvent(task: ExpiredTask): TaskEvent {
  return {
    type: 'expired',
    taskId: task.taskId,
    runId: null,
    job: task.jobName,
    attempt: task.attempt,
    userId: task.runAs,
    status: 'EXPIRED',
    runStatus: null,
    message: null,
    error: null,
    worker: null,
    finishedAt: task.at,
  };
}

/** A queued task `stop()` ended before any worker ran it. */
export function stoppedQueuedEvent(task: StoppedTask): TaskEvent {
  return {
    type: 'stopped',
    taskId: task.taskId,
    runId: null,
    job: task.jobName,
    attempt: task.attempt,
    userId: task.runAs,
    status: 'STOPPED',
    runStatus: null,
    message: null,
    error: null,
    worker: null,
    finishedAt: task.at,
  };
}
