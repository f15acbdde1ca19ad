import { TaskTimeoutError } from '../errors.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import type { Clock } from '../scheduler.options.js';
import type { ClaimedTask } from '../storage/engine.js';
import type { AbortKind, AttemptResult } from './attempt.js';
import { AttemptTimeouts, type TimedAttempt } from './attempt-timeouts.js';
import type { AttemptIO, TaskExecutor } from './executor.js';
import { fromError, type HandlerSettlement, type Invocation, type ResolveUser } from './handler-run.js';
import { ProgressState } from './job-context.js';
import { OutputBuffer } from './output-buffer.js';

export interface RunnerDeps {
  clock: Clock;
  maxOutputBytes: number;
  /** Resolves a `runAs` id; null when impersonation is not configured. */
  resolveUser: ResolveUser;
  /** Where a job's handler runs: this process, or a child process under isolation. */
  executorFor: (job: RegisteredJob) => TaskExecutor;
}

class AbortedRun extends Error {
  constructor(
    readonly kind: AbortKind | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

const ABORT_STATUS = {
  stop: 'STOPPED',
  shutdown: 'INTERRUPTED',
  'lease-lost': 'FAILED',
  unreachable: 'INTERRUPTED',
  timeout: 'TIMEOUT',
} as const;

const ABORT_MESSAGES: Record<AbortKind, string> = {
  stop: 'stopped on request',
  shutdown: 'interrupted by shutdown; re-queued',
  'lease-lost': 'lease lost: the task was rescued by another worker',
  unreachable:
    'interrupted: the database could not be reached for half of deadAfter (the worker fenced itself); re-queued',
};

/** The timeouts of every attempt in this process. */
const ATTEMPT_TIMEOUTS = new AttemptTimeouts();

/** The handler's view of a claimed task. */
export function invocationOf(task: ClaimedTask): Invocation {
  return {
    taskId: task.id,
    uuid: task.uuid,
    jobName: task.jobName,
    attempt: task.attempt,
    payload: task.payload,
    userId: task.runAs,
    scheduledFor: task.scheduledFor,
  };
}

/**
 * One attempt of one task in progress: its output, its progress and a way to abort it. The
 * handler runs through a `TaskExecutor` (this process, or a child process under isolation); this
 * class races it against timeout, stop, shutdown and lost lease, and settles the attempt.
 * An in-process handler cannot be killed, so an aborted attempt settles at once and a late
 * result is ignored; an isolated one settles once its process has let go of it.
 *
 * It is also the executor's view of the attempt (`AttemptIO`), and it settles through callbacks
 * rather than a race of promises: an attempt of a no-op handler is on the hot path of a worker
 * draining a backlog, and every object it allocates is paid for in garbage collection.
 */
export class RunningTask implements AttemptIO, TimedAttempt {
  readonly output: OutputBuffer;
  /** The handler's progress, read by the worker's periodic sync. */
  readonly progress = new ProgressState();
  /** Wall-clock time the attempt began (for lease checks, whatever clock the module uses). */
  readonly launchedAt = Date.now();
  private readonly startTime: number;
  private readonly executor: TaskExecutor;
  private readonly handler: Promise<HandlerSettlement>;
  /** Made on first use of `ctx.signal`: most handlers never read it, and most attempts are never aborted. */
  private controller?: AbortController;
  private abortReason?: AbortedRun;
  private result?: AttemptResult;
  private donePromise?: Promise<AttemptResult>;
  private resolveDone?: (result: AttemptResult) => void;
  private timing = false;
  private settled = false;
  /** @internal the attempt's place in `AttemptTimeouts`. */
  deadline = 0;
  /** @internal */
  prev?: TimedAttempt;
  /** @internal */
  next?: TimedAttempt;
  /** @internal */
  timeoutList?: TimedAttempt['timeoutList'];
  /** @internal the attempt's place in its worker's `RunningTasks`; -1 when not in one. */
  slot = -1;

  /**
   * @param onSettled called once, synchronously, when the attempt settles (the worker's
   *   bookkeeping; `done` is the same result as a promise, made only when asked for).
   */
  constructor(
    readonly task: ClaimedTask,
    private readonly job: RegisteredJob,
    private readonly deps: RunnerDeps,
    private readonly onSettled?: (result: AttemptResult) => void,
  ) {
    this.startTime = deps.clock.now();
    this.output = new OutputBuffer(deps.maxOutputBytes);
    this.executor = deps.executorFor(job);
    this.handler = this.executor.run(job, invocationOf(task), this);
    this.handler.then(
      (settlement) => this.handlerSettled(settlement),
      (error: unknown) => this.handlerSettled(fromError(error)),
    );
  }

  /** Abort the attempt: `ctx.signal` fires and the attempt ends with the matching status. */
  abort(kind: AbortKind): void {
    this.fire(new AbortedRun(kind, ABORT_MESSAGES[kind]));
  }

  /** The handler's `ctx.signal`, aborted with the reason once the attempt is cut short. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** How the attempt ended, once it has. */
  get done(): Promise<AttemptResult> {
    this.donePromise ??= this.result
      ? Promise.resolve(this.result)
      : new Promise((resolve) => (this.resolveDone = resolve));
    return this.donePromise;
  }

  /** Called by the executor once the handler really starts: the timeout counts from here. */
  started(): void {
    if (this.settled || this.timing) return;
    this.timing = true;
    ATTEMPT_TIMEOUTS.add(this, this.task.timeoutMs ?? this.job.timeoutMs);
  }

  /** @internal called by `AttemptTimeouts` when the timeout passes. */
  timedOut(): void {
    const timeoutMs = this.task.timeoutMs ?? this.job.timeoutMs;
    this.fire(new AbortedRun('timeout', new TaskTimeoutError(this.job.name, timeoutMs).message));
  }

  private handlerSettled(s: HandlerSettlement): void {
    if (this.abortReason) return; // the abort decides how the attempt ends
    this.settle(this.finish(s.status, s.retryable, s.result, s.message, s.traceback));
  }

  private fire(reason: AbortedRun): void {
    if (this.abortReason || this.settled) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    const status = ABORT_STATUS[reason.kind];
    if (!this.executor.terminates) {
      this.settle(this.aborted(status, reason.message, reason.kind));
      return;
    }
    // An isolated handler is ended by force after its grace period: wait for it, so a retry
    // never runs next to it, and say so when its process had to be killed.
    void this.handler.then((ended) => {
      const message = ended.crashed ? `${reason.message.replace(/\.$/, '')}; ${ended.message}` : reason.message;
      this.settle(this.aborted(status, message, reason.kind));
    });
  }

  private settle(result: AttemptResult): void {
    if (this.settled) return;
    this.settled = true;
    ATTEMPT_TIMEOUTS.remove(this);
    this.result = result;
    this.resolveDone?.(result);
    this.onSettled?.(result);
  }

  private aborted(status: AttemptResult['status'], message: string, kind: AbortedRun['kind']): AttemptResult {
    const result = this.finish(status, true, null, message, null);
    if (kind === 'lease-lost') result.leaseLost = true;
    return result;
  }

  /** One object shape for every attempt (no spreads on the hot path). */
  private finish(
    status: AttemptResult['status'],
    retryable: boolean,
    result: string | null,
    message: string | null,
    traceback: string | null,
  ): AttemptResult {
    return {
      status,
      retryable,
      startTime: this.startTime,
      stopTime: this.deps.clock.now(),
      result,
      message,
      output: this.output.value(),
      traceback,
    };
  }
}
