import type { JsonValue, RunStatus, TaskStatus } from '../types.js';

/**
 * A change of a task's state, told to `@OnTaskEvent` listeners and `SchedulerService.events$`
 * once the change is committed, in the process that made it:
 *
 * - `completed`: an attempt ended COMPLETED (a recurring task is QUEUED again for its next slot).
 * - `failed` / `timeout`: an attempt ended FAILED / TIMEOUT with no retry left (a recurring task
 *   moves on to its next slot, so its `status` is QUEUED).
 * - `retrying`: an attempt ended FAILED or TIMEOUT and the task is QUEUED for a retry.
 * - `stopped`: `stop()` ended the task, queued (in the caller's process, no run) or running (in
 *   its worker's process, with its STOPPED run).
 * - `interrupted`: a worker shut down or lost the database and handed the attempt back; the task
 *   is QUEUED again and the attempt is not counted.
 * - `lost`: a worker stopped heartbeating; another worker recorded its attempt as a LOST run and
 *   re-queued (or failed) the task.
 * - `expired`: the task's stop time passed before any worker claimed it.
 */
export type TaskEventType =
  'completed' | 'failed' | 'timeout' | 'retrying' | 'stopped' | 'interrupted' | 'lost' | 'expired';

/** Every event type, in the order of `TaskEventType`. */
export const TASK_EVENT_TYPES: readonly TaskEventType[] = [
  'completed',
  'failed',
  'timeout',
  'retrying',
  'stopped',
  'interrupted',
  'lost',
  'expired',
];

/** Why an attempt did not succeed: the run's message and, for a thrown error, its stack trace. */
export interface TaskEventError {
  message: string;
  stack: string | null;
}

/** What every event carries. */
interface TaskEventFields {
  /** The task whose state changed. */
  taskId: number;
  /** The run row recording the attempt; null when no attempt was made (expired, stopped while queued). */
  runId: number | null;
  /** The job's name. */
  job: string;
  /** The attempt's number (1-based); for a task never run, the attempts made so far (often 0). */
  attempt: number;
  /** The user the task runs as (`runAs`), as a string, or null. */
  userId: string | null;
  /** The task's status once the change was committed (QUEUED for a retry or a recurring task's next slot). */
  status: TaskStatus;
  /** The run's status, or null when there is no run. */
  runStatus: RunStatus | null;
  /** The run's message (`Result` message, error or reason), or null. */
  message: string | null;
  /** Set when the attempt did not succeed (failed, timed out, retrying, lost); null otherwise. */
  error: TaskEventError | null;
  /** The worker that ran the attempt, or null when none did. */
  worker: string | null;
  /** When the change happened, epoch ms: the run's stop time, or when the task was stopped, rescued or expired. */
  finishedAt: number;
}

/** An attempt ended COMPLETED. */
export interface CompletedTaskEvent extends TaskEventFields {
  type: 'completed';
  runId: number;
  runStatus: 'COMPLETED';
  error: null;
  /** The handler's return value (the run's JSON result), or null. */
  result: JsonValue | null;
}

/** An attempt ended FAILED and no retry remains. */
export interface FailedTaskEvent extends TaskEventFields {
  type: 'failed';
  runId: number;
  runStatus: 'FAILED';
  error: TaskEventError;
}

/** An attempt ended TIMEOUT and no retry remains. */
export interface TimeoutTaskEvent extends TaskEventFields {
  type: 'timeout';
  runId: number;
  runStatus: 'TIMEOUT';
  error: TaskEventError;
}

/** An attempt ended FAILED or TIMEOUT; the task is QUEUED for another attempt. */
export interface RetryingTaskEvent extends TaskEventFields {
  type: 'retrying';
  runId: number;
  runStatus: 'FAILED' | 'TIMEOUT';
  status: 'QUEUED';
  error: TaskEventError;
  /** The back-off before the retry is due, ms. */
  retryDelayMs: number;
}

/** `stop()` ended the task: a queued one at once (no run), a running one when its attempt ended. */
export interface StoppedTaskEvent extends TaskEventFields {
  type: 'stopped';
  runStatus: 'STOPPED' | null;
  status: 'STOPPED';
  error: null;
}

/** The attempt was handed back unfinished (shutdown, database unreachable); the task is QUEUED again. */
export interface InterruptedTaskEvent extends TaskEventFields {
  type: 'interrupted';
  runId: number;
  runStatus: 'INTERRUPTED';
  status: 'QUEUED';
  error: null;
}

/** The attempt's worker stopped heartbeating; the task is QUEUED again, or FAILED with no retry left. */
export interface LostTaskEvent extends TaskEventFields {
  type: 'lost';
  runId: number;
  runStatus: 'LOST';
  status: 'QUEUED' | 'FAILED';
  error: TaskEventError;
}

/** The task's stop time passed before a worker claimed it. */
export interface ExpiredTaskEvent extends TaskEventFields {
  type: 'expired';
  runId: null;
  runStatus: null;
  status: 'EXPIRED';
  error: null;
  worker: null;
}

/** A lifecycle event: narrow it on `type`. */
export type TaskEvent =
  | CompletedTaskEvent
  | FailedTaskEvent
  | TimeoutTaskEvent
  | RetryingTaskEvent
  | StoppedTaskEvent
  | InterruptedTaskEvent
  | LostTaskEvent
  | ExpiredTaskEvent;

/** The event of one type: `TaskEventOf<'failed'>` is `FailedTaskEvent`. */
export type TaskEventOf<T extends TaskEventType> = Extract<TaskEvent, { type: T }>;
