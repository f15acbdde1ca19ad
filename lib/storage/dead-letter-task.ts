import type { DeadLetter, JsonValue } from '../types.js';
import type { NewTask, TaskOutcome } from './engine.js';
import { workerLostMessage } from './lost-attempt.js';

/**
 * Where a job's dead letters go (`JobOptions.deadLetter`): the target job, and the group,
 * priority and retries its tasks are queued with. The storage engine queues a dead letter in the
 * transaction that writes the task's last failure, on every path that ends a task for good (an
 * attempt written by `complete`, a lost attempt failed by `rescueOrphans`), so a process that
 * dies after the commit can no longer lose it.
 */
export interface DeadLetterRoute {
  jobName: string;
  group: string;
  priority: number;
  retries: number;
}

/** Dead-letter routes by the name of the job whose failures they carry. */
export type DeadLetterRoutes = ReadonlyMap<string, DeadLetterRoute>;

/** The failed task, as its row (or its claim) holds it. */
export interface DeadLetterSource {
  id: number;
  uuid: string;
  jobName: string;
  payload: string | null;
  /** The slot the failed attempt ran for (the task's next_run_time when claimed). */
  scheduledFor: number;
  runAs: string | null;
}

/** How its last attempt ended. */
export interface LastFailure {
  status: DeadLetter['status'];
  attempts: number;
  message: string | null;
  traceback: string | null;
  failedAt: number;
}

/** The uuid of a task's dead letter: one per task and occurrence, so writing it twice writes it once. */
export const deadLetterUuid = (task: { id: number; scheduledFor: number }): string =>
  `kronos:dead-letter:${task.id}:${task.scheduledFor}`;

/** The dead-letter task of `task`'s last failure, queued to `route`, due `now` (`null` = the database clock). */
export function deadLetterTask(
  task: DeadLetterSource,
  failure: LastFailure,
  route: DeadLetterRoute,
  now: number | null,
): NewTask {
  const letter: DeadLetter = {
    taskId: task.id,
    uuid: task.uuid,
    job: task.jobName,
    payload: parsePayload(task.payload),
    status: failure.status,
    attempts: failure.attempts,
    error: { message: failure.message, traceback: failure.traceback },
    failedAt: failure.failedAt,
    runAs: task.runAs,
  };
  return {
    uuid: deadLetterUuid(task),
    jobName: route.jobName,
    payload: JSON.stringify(letter),
    group: route.group,
    priority: route.priority,
    nextRunTime: now,
    stopTime: null,
    timeoutMs: null,
    retries: route.retries,
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

/** Whether any outcome of a batch carries a dead letter (most batches: none, and nothing more is done). */
export function carriesDeadLetters(outcomes: readonly TaskOutcome[]): boolean {
  for (const o of outcomes) if (o.deadLetter !== undefined) return true;
  return false;
}

/** The dead letters of the outcomes a completion wrote (a fenced-out outcome wrote nothing, so has none). */
export function writtenDeadLetters(outcomes: readonly TaskOutcome[], fenced: readonly number[]): NewTask[] {
  const lost = new Set(fenced);
  const letters: NewTask[] = [];
  for (const o of outcomes) if (o.deadLetter !== undefined && !lost.has(o.taskId)) letters.push(o.deadLetter);
  return letters;
}

/** The dead letter of a task `rescueOrphans` failed (a LOST attempt with no retry left), or null without a route. */
export function lostDeadLetter(
  task: DeadLetterSource & { attempt: number; worker: string | null },
  routes: DeadLetterRoutes | undefined,
  at: number,
): NewTask | null {
  const route = routes?.get(task.jobName);
  if (route === undefined) return null;
  return deadLetterTask(
    task,
    { status: 'LOST', attempts: task.attempt, message: workerLostMessage(task.worker), traceback: null, failedAt: at },
    route,
    at,
  );
}
