import { TaskTimeoutError } from '../errors.js';
import type { RegisteredJob } from '../registry/registered-job.js';
import type { Clock } from '../scheduler.options.js';
import type { ClaimedTask } from '../storage/engine.js';
import type { AbortKind, AttemptResult } from './attempt.js';
import { InProcessExecutor, type AttemptIO, type TaskExecutor } from './executor.js';
import { fromError, type HandlerSettlement, type Invocation, type ResolveUser } from './handler-run.js';
import { ProgressState } from './job-context.js';
import { OutputBuffer } from './output-buffer.js';

export interface RunnerDeps {
  clock: Clock;
  maxOutputBytes: number;
  /** Resolves a `runAs` id; null when impersonation is not configured. */
  resolveUser: ResolveUser;
  /** Where a job's handler runs (process isolation); default: in this process. */
  executorFor?: (job: RegisteredJob) => TaskExecutor;
}

class AbortedRun extends Error {
  constructor(readonly kind: AbortKind | 'timeout', message: string) {
    super(message);
  }
}

const ABORT_STATUS = { stop: 'STOPPED', shutdown: 'INTERRUPTED', 'lease-lost': 'FAILED', timeout: 'TIMEOUT' } as const;

const ABORT_MESSAGES: Record<AbortKind, string> = {
  stop: 'stopped on request',
  shutdown: 'interrupted by shutdown; re-queued',
  'lease-lost': 'lease lost: the task was rescued by another worker',
};

/** One in-process executor per set of runner settings (it holds no per-attempt state). */
const inProcessExecutors = new WeakMap<RunnerDeps, InProcessExecutor>();
function inProcessExecutor(deps: RunnerDeps): InProcessExecutor {
  let executor = inProcessExecutors.get(deps);
  if (!executor) {
    executor = new InProcessExecutor(deps.resolveUser);
    inProcessExecutors.set(deps, executor);
  }
  return executor;
}

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
 */
export class RunningTask {
  readonly output: OutputBuffer;
  /** What the worker's periodic sync reads of the handler's context. */
  readonly context = { progressState: new ProgressState() };
  readonly done: Promise<AttemptResult>;
  /** Made on first use of `ctx.signal`: most handlers never read it, and most attempts are never aborted. */
  private controller?: AbortController;
  private abortReason?: AbortedRun;
  private rejectAbort!: (error: AbortedRun) => void;
  private readonly startTime: number;
  /** Wall-clock time the attempt began (for lease checks, whatever clock the module uses). */
  readonly launchedAt = Date.now();
  private settled = false;

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

  private fire(reason: AbortedRun): void {
    if (this.abortReason || this.settled) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.rejectAbort(reason);
  }

  private async execute(aborted: Promise<never>): Promise<AttemptResult> {
    const { task, job } = this;
    const timeoutMs = task.timeoutMs ?? job.timeoutMs;
    const executor = this.deps.executorFor?.(job) ?? inProcessExecutor(this.deps);
    let timer: NodeJS.Timeout | undefined;
    const attempt = this;
    const io: AttemptIO = {
      get signal() {
        return attempt.signal;
      },
      output: this.output,
      progress: this.context.progressState,
      started: () => {
        if (this.settled || timer) return;
        timer = setTimeout(() => this.fire(new AbortedRun('timeout', new TaskTimeoutError(job.name, timeoutMs).message)), timeoutMs);
      },
    };
    const handler = executor.run(job, invocationOf(task), io);
    try {
      return this.fromSettlement(await Promise.race([handler, aborted]));
    } catch (error) {
      if (!(error instanceof AbortedRun)) return this.fromSettlement(fromError(error));
      // An isolated handler is ended by force after its grace period: wait for it, so a retry
      // never runs next to it, and say so when its process had to be killed.
      const ended = executor.terminates ? await handler : null;
      const message = ended?.crashed ? `${error.message.replace(/\.$/, '')}; ${ended.message}` : error.message;
      return this.aborted(ABORT_STATUS[error.kind], message, error.kind === 'lease-lost');
    } finally {
      this.settled = true;
      clearTimeout(timer);
    }
  }

  private fromSettlement(s: HandlerSettlement): AttemptResult {
    return this.finish(s.status, s.retryable, s.result, s.message, s.traceback);
  }

  private aborted(status: AttemptResult['status'], message: string, leaseLost: boolean): AttemptResult {
    const result = this.finish(status, true, null, message, null);
    if (leaseLost) result.leaseLost = true;
    return result;
  }

  /** One object shape for every attempt (built once per task: no spreads on the hot path). */
  private finish(
    status: AttemptResult['status'],
    retryable: boolean,
    result: string | null,
    message: string | null,
    traceback: string | null,
  ): AttemptResult {
    return { status, retryable, startTime: this.startTime, stopTime: this.deps.clock.now(), result, message, output: this.output.value(), traceback };
  }
}
