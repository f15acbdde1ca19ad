import { TaskTimeoutError, UserNotFoundError } from '../errors.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import type { Clock } from '../scheduler.options.js';
import type { ClaimedTask } from '../storage/engine.js';
import type { AbortKind, AttemptResult } from './attempt.js';
import { JobContext, SchedulerContext } from './job-context.js';
import { OutputBuffer } from './output-buffer.js';
import { Result } from './result.js';

export interface RunnerDeps {
  clock: Clock;
  maxOutputBytes: number;
  /** Resolves a `runAs` id; null when impersonation is not configured. */
  resolveUser: ((userId: string) => unknown) | null;
}

class AbortedRun extends Error {
  constructor(readonly kind: AbortKind | 'timeout', message: string) {
    super(message);
  }
}

const ABORT_STATUS = { stop: 'STOPPED', shutdown: 'INTERRUPTED', 'lease-lost': 'FAILED', timeout: 'TIMEOUT' } as const;

/**
 * One attempt of one task in progress: its context, its output and a way to abort it.
 * The attempt settles as soon as the handler settles or the run is aborted (timeout, stop,
 * shutdown): an in-process handler cannot be killed, so its late result is ignored.
 */
export class RunningTask {
  readonly output: OutputBuffer;
  readonly done: Promise<AttemptResult>;
  context?: JobContext;
  private readonly controller = new AbortController();
  private rejectAbort!: (error: AbortedRun) => void;
  private readonly startTime: number;

  constructor(
    readonly task: ClaimedTask,
    private readonly job: RegisteredJob,
    private readonly deps: RunnerDeps,
  ) {
    this.startTime = deps.clock.now();
    this.output = new OutputBuffer(deps.maxOutputBytes);
    const aborted = new Promise<never>((_, reject) => (this.rejectAbort = reject));
    aborted.catch(() => undefined);
    this.done = this.execute(aborted);
  }

  /** Abort the attempt: `ctx.signal` fires and the attempt ends with the matching status. */
  abort(kind: AbortKind): void {
    const messages = {
      stop: 'stopped on request',
      shutdown: 'interrupted by shutdown; re-queued',
      'lease-lost': 'lease lost: the task was rescued by another worker',
    };
    this.fire(new AbortedRun(kind, messages[kind]));
  }

  private fire(reason: AbortedRun): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(reason);
    this.rejectAbort(reason);
  }

  private async execute(aborted: Promise<never>): Promise<AttemptResult> {
    const { task, job } = this;
    const timeoutMs = task.timeoutMs ?? job.timeoutMs;
    const timer = setTimeout(() => this.fire(new AbortedRun('timeout', new TaskTimeoutError(job.name, timeoutMs).message)), timeoutMs);
    try {
      const user = await this.resolveUser();
      const payload = task.payload === null ? (job.payload ?? undefined) : JSON.parse(task.payload);
      const context = new JobContext(
        task.id, task.uuid, task.jobName, task.attempt, payload, user, task.runAs, task.scheduledFor,
        this.controller.signal, this.output,
      );
      this.context = context;
      const value = await Promise.race([
        SchedulerContext.run(context, () => Promise.resolve().then(() => job.handler(payload, context))),
        aborted,
      ]);
      return this.fromValue(value);
    } catch (error) {
      return this.fromError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async resolveUser(): Promise<unknown> {
    const userId = this.task.runAs;
    if (userId === null) return null;
    if (!this.deps.resolveUser) {
      throw Object.assign(new Error(`Job "${this.job.name}" was queued to run as user "${userId}", but no impersonation resolver is configured; it was not run.`), { retryable: false });
    }
    const user = await this.deps.resolveUser(userId);
    if (user === null || user === undefined) throw Object.assign(new UserNotFoundError(this.job.name, userId), { retryable: false });
    return user;
  }

  private settle(status: AttemptResult['status'], fields: Partial<AttemptResult>): AttemptResult {
    return {
      status,
      retryable: true,
      startTime: this.startTime,
      stopTime: this.deps.clock.now(),
      result: null,
      message: null,
      traceback: null,
      ...fields,
      output: this.output.value(),
    };
  }

  private fromValue(value: unknown): AttemptResult {
    if (value instanceof Result) {
      if (value.output) this.output.appendBlock(value.output);
      return this.settle(value.status === 'success' ? 'COMPLETED' : 'FAILED', {
        message: value.message,
        result: value.data === null ? null : JSON.stringify(value.data),
      });
    }
    let result: string | null = null;
    try {
      result = value === undefined ? null : (JSON.stringify(value) ?? null);
    } catch (error) {
      this.output.appendBlock(`[result not stored: ${(error as Error).message}]`);
    }
    return this.settle('COMPLETED', { result });
  }

  private fromError(error: unknown): AttemptResult {
    if (error instanceof AbortedRun) {
      return this.settle(ABORT_STATUS[error.kind], { message: error.message, leaseLost: error.kind === 'lease-lost' });
    }
    const err = error instanceof Error ? error : new Error(String(error));
    const retryable = (err as { retryable?: boolean }).retryable !== false;
    return this.settle('FAILED', { message: err.message, traceback: err.stack ?? String(err), retryable });
  }
}
