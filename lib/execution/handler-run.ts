import { ResultNotSerializableError, UserNotFoundError } from '../errors.js';
import { findResultProblem } from '../json-check.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import { createJobContext, runInContext, type ProgressState } from './job-context.js';
import type { OutputSink } from './output-buffer.js';
import { Result } from './result.js';

/**
 * Everything needed to run one attempt's handler, in plain JSON: it is what a worker sends to a
 * child process under process isolation.
 */
export interface Invocation {
  taskId: number;
  uuid: string;
  jobName: string;
  attempt: number;
  /** The task's payload as JSON text; null means the job's fixed payload (recurring jobs). */
  payload: string | null;
  /** The `runAs` user id, resolved into `ctx.user` where the handler runs. */
  userId: string | null;
  scheduledFor: number;
}

/** How a handler settled, in plain JSON (it crosses the channel from a child process). */
export interface HandlerSettlement {
  status: 'COMPLETED' | 'FAILED';
  /** False for failures no retry can fix (e.g. the `runAs` user no longer exists). */
  retryable: boolean;
  /** JSON text of the result. */
  result: string | null;
  message: string | null;
  traceback: string | null;
  /** Set when the handler's process ended before the handler settled (crash, out of memory, killed). */
  crashed?: boolean;
}

/** What the handler writes to while it runs, and the signal that asks it to stop. */
export interface HandlerIO {
  signal: AbortSignal;
  output: OutputSink;
  progress: ProgressState;
}

/** Resolves a `runAs` id; null when impersonation is not configured. */
export type ResolveUser = ((userId: string) => unknown) | null;

/**
 * Run a job's handler once: resolve the user, build the `JobContext`, call the handler inside
 * `SchedulerContext`, and map what it returned or threw. Never rejects. The same code runs in
 * the worker's process and in an isolated child process.
 *
 * Written without `async`: with no user to resolve and a handler that returns a plain value,
 * the attempt costs one settled promise, not an async function's state and its promises (a
 * worker draining short tasks runs this tens of thousands of times a second).
 */
export function runHandler(
  job: RegisteredJob,
  invocation: Invocation,
  resolveUser: ResolveUser,
  io: HandlerIO,
): Promise<HandlerSettlement> {
  if (invocation.userId === null) return invoke(job, invocation, null, io);
  return resolveRunAs(job.name, invocation.userId, resolveUser).then(
    (user) => invoke(job, invocation, user, io),
    failed,
  );
}

const failed = (error: unknown): HandlerSettlement => fromError(error);

/** Call the handler in its context; a throw before its first await is caught like a rejection. */
function invoke(job: RegisteredJob, invocation: Invocation, user: unknown, io: HandlerIO): Promise<HandlerSettlement> {
  let value: unknown;
  try {
    const payload: unknown = invocation.payload === null ? (job.payload ?? undefined) : JSON.parse(invocation.payload);
    const context = createJobContext(
      invocation.taskId,
      invocation.uuid,
      invocation.jobName,
      invocation.attempt,
      payload,
      user,
      invocation.userId,
      invocation.scheduledFor,
      io,
      io.output,
      io.progress,
    );
    value = runInContext(context, job.handler, payload, context);
  } catch (error) {
    return Promise.resolve(fromError(error));
  }
  if (isThenable(value))
    return Promise.resolve(value).then((settled) => fromValue(job.name, settled, io.output), failed);
  return Promise.resolve(fromValue(job.name, value, io.output));
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

export async function resolveRunAs(jobName: string, userId: string, resolveUser: ResolveUser): Promise<unknown> {
  if (!resolveUser) {
    throw Object.assign(
      new Error(
        `Job "${jobName}" was queued to run as user "${userId}", but no impersonation resolver is configured; it was not run.`,
      ),
      { retryable: false },
    );
  }
  const user = await resolveUser(userId);
  if (user === null || user === undefined)
    throw Object.assign(new UserNotFoundError(jobName, userId), { retryable: false });
  return user;
}

const settlement = (
  status: HandlerSettlement['status'],
  result: string | null,
  message: string | null = null,
  traceback: string | null = null,
  retryable = true,
): HandlerSettlement => ({ status, retryable, result, message, traceback });

/**
 * What the handler returned, as the run's outcome. One rule for a plain return value and for
 * `Result` data: stored as `JSON.stringify` writes it, and a value it refuses (BigInt, a cycle)
 * fails the run with `ResultNotSerializableError` naming the path, not retried (the handler ran
 * to its end; running it again would repeat its work to fail the same way).
 */
export function fromValue(job: string, value: unknown, output: OutputSink): HandlerSettlement {
  const isResult = value instanceof Result;
  if (isResult && value.output) output.appendBlock(value.output);
  // A Result without data stores no result; a plain `return null` stores JSON null, as before.
  const data = isResult ? (value.data ?? undefined) : value;
  let result: string | null;
  try {
    result = data === undefined ? null : (JSON.stringify(data) ?? null);
  } catch (error) {
    const problem = findResultProblem(data) ?? { path: '$', reason: (error as Error).message };
    return settlement(
      'FAILED',
      null,
      new ResultNotSerializableError(job, problem.path, problem.reason).message,
      null,
      false,
    );
  }
  if (!isResult) return settlement('COMPLETED', result);
  return settlement(value.status === 'success' ? 'COMPLETED' : 'FAILED', result, value.message);
}

/** A thrown error: FAILED with its message and stack (retryable unless it says otherwise). */
export function fromError(error: unknown): HandlerSettlement {
  const err = error instanceof Error ? error : new Error(String(error));
  const retryable = (err as { retryable?: boolean }).retryable !== false;
  return settlement('FAILED', null, err.message, err.stack ?? String(err), retryable);
}
